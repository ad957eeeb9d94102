// Package wine is test support for running Suyuan's Windows test binaries
// under Wine (scripts/windows-test.sh, docs/building.md "Windows under Wine").
//
// Detected reports whether the process runs under Wine. scripts/windows-test.sh
// adds a blank import of this package to every test binary it builds (a
// generated file given to go test -overlay, nothing in the tree); in a test
// binary built with
//
//	GOOS=windows go test -c -tags winetest -ldflags=-checklinkname=0
//
// it also works around Wine 8.0's NtSetInformationFile, which answers the
// FileDispositionInformationEx call of Go 1.26's os.RemoveAll with
// STATUS_NOT_IMPLEMENTED ("Invalid function."): every t.TempDir cleanup
// would fail. Under Wine only, it switches the standard library to its own
// fallback (FileDispositionInfo, what Windows before 10 1607 gets). Real
// Windows 10/11 are not affected, and without the winetest tag the package
// changes nothing.
package wine
