"""The REST API's shared pieces (authentication, permissions, pagination, errors, throttles) and the
organisation's endpoints: units, employees, customers and segments."""
