"""Background jobs' lifecycle: which run holds a job, taking over a lost run, and ending stuck jobs as failed."""
