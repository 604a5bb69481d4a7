"""Word papers, written with python-docx from the model (see scoper.docx.paper), and the reviewers' comments read back (scoper.docx.review)."""
