//go:build race

package app_test

// raceDetector is true when the tests run under -race, which makes the server ten times slower.
const raceDetector = true
