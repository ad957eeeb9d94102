package main

// version is the application version, set at release with
// -ldflags "-X main.version=...". It is recorded with migrations and uploads.
var version = "0.1.0-dev"
