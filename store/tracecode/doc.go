// Package tracecode formats and parses Suyuan's local lot trace codes and 合格证 numbers.
//
// A local trace code, e.g. XPJS01-261128-0001-Q, is minted offline by one site: site code,
// creation day, a per-site-per-day sequence and an ISO 7064 MOD 37,36 check character. It is
// ASCII only so that keyboard-wedge scanners type it back unchanged on any layout. It is not a
// national trace code: those are issued by the national platform after sync and stored as opaque
// strings (domain.md §0 rule 2, §3); see docs/trace-codes.md.
//
// This package must stay standard-library only: the store, the scanner parser and the label
// layout all use it, and it must build everywhere without cgo or extra modules.
package tracecode
