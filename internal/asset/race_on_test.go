//go:build race

package asset_test

// raceDetector is true when the tests run under -race, which makes everything slower.
const raceDetector = true
