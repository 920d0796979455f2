package search

// ScopedKeyJSON signs embedded parameters written as given (for Typesense's documented vector).
var ScopedKeyJSON = scopedKey

// ParseRequest checks a client's parameters.
var ParseRequest = parseRequest
