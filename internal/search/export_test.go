package search

// ScopedKeyJSON signs embedded parameters written as given (for Typesense's documented vector).
var ScopedKeyJSON = scopedKey
