"""Staff workbenches in the browser (issue 9). The department workbench: api/workbench/routes.py."""
