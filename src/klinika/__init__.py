"""klinika: clinic management for Polish outpatient clinics."""
