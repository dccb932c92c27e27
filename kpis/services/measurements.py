"""Computing KPI measurements for all subjects of a period at once."""
