"""The website chat widget's server side: a same-origin proxy to the assistant, the phrasings for
suggestions while typing, and the helpful / not helpful rating of each answer."""
