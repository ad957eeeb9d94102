// Package widgets holds Suyuan's custom Fyne widgets: ScanEntry (an Entry
// that tells a keyboard-wedge scanner burst from a person typing) and
// StatusPill (a coloured status label for devices, sync and record states).
//
// It imports fyne, app/theme and device/scanner (for the wedge classifier)
// only; it knows nothing of the store.
package widgets
