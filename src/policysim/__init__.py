"""policysim: what will this incentive-pay change do to my customer-service team?"""

__version__ = "0.1.0"
