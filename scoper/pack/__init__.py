"""The weekly priorities pack: its model and the choice of a week's briefs, the build, the
cache manifest, the PDF assembly and the CSV tracker."""
