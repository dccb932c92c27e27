"""Reads of KPI measurements for the employee page, the team scorecard and the outcome analysis."""
