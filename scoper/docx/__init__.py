"""Word papers, written with python-docx from the model (:mod:`scoper.docx.paper`), and the
reviewers' comments and tracked changes read back (:mod:`scoper.docx.review`)."""
