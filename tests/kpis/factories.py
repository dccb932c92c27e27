import factory
from django.utils import timezone

from kpis.models import CompanyValue, Kpi, KpiMeasurement, Recognition

# --- recognition ---


class CompanyValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyValue
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"value-{n}")
    name_en = factory.Sequence(lambda n: f"Value {n}")
    name_ru = factory.Sequence(lambda n: f"Ценность {n}")


class RecognitionFactory(factory.django.DjangoModelFactory):
    """A peer recognition written straight to the table (no points, no allowance check): for reading tests."""

    class Meta:
        model = Recognition

    source = Recognition.Source.PEER
    giver = None
    receiver = None
    unit = factory.LazyAttribute(lambda r: r.receiver.unit)
    value = factory.SubFactory(CompanyValueFactory)
    message = "Thank you!"
    visibility = Recognition.Visibility.COMPANY


# --- KPIs ---


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kpi
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"KPI {n}")
    code = factory.Sequence(lambda n: f"kpi-{n}")
    metric = Kpi.Metric.NPS
    level = Kpi.Level.EMPLOYEE
    period = Kpi.Period.MONTH
    target = 50.0
    warning = 30.0
    min_sample = 1
    employee_influence = True

    @factory.post_generation
    def questions(self, create, extracted, **kwargs):
        if create and extracted:
            self.questions.set(extracted)


class KpiMeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KpiMeasurement

    kpi = factory.SubFactory(KpiFactory)
    n = 40
    status = KpiMeasurement.Status.MET
    computed_at = factory.LazyFunction(timezone.now)
    period_end = factory.LazyAttribute(lambda m: m.period_start)
