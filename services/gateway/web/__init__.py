"""Server-rendered pages for the daily jobs of officers, supervisors, finance, mentors and M&E."""
