"""The registration-desk benchmark (bench/registration_desk.py), in parts.

environment  bench databases, Django set-up, the machine's facts
team         worker processes (loaders, booking clients) with per-worker job queues
clinic       staff, practitioners, visit types, weekly hours and leave, through klinika's services
population   synthetic patients (and their plaintext twins) and the appointment history
timing       side-by-side timing helpers: wall clock and CPU time, medians of per-sample ratios
keys         cold key lookups: by subject (what writes need) and by key id (what reads need)
search       patient search: klinika's search service against the plaintext twin's indexed column
free_slots   free-slot search for a specialty against bare SQL
booking      booking throughput of concurrent clients against bare SQL INSERTs
report       the tables printed at the end of a run
"""
