"""Projects: Learn-style project bundles onto a drive (``protoboard project get``) and new
projects from a template (``protoboard project new``)."""
