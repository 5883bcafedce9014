"""Pure domain: money, VAT, sales and the NF525 record builders. Standard library only."""
