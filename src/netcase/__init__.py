"""netcase: a joint task-force platform against human smuggling and trafficking networks."""

__version__ = "0.1.0"
