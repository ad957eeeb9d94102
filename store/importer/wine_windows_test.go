package importer

// Under Wine, t.TempDir's cleanup needs the work-around in internal/wine
// (scripts/windows-test.sh builds this package's tests with -tags winetest).
import _ "suyuan/internal/wine"
