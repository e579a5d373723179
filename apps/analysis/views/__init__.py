"""Pages of the analysis and of the review, one module per topic: frequencies, the code x
case matrix, co-occurrence, the tables' downloads, and the review (the supervisor's
dashboard, verdicts, comments). Thin: access, form, selector or service, render."""
