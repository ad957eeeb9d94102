// Package app is Suyuan's Fyne desktop shell: first-run wizard, login,
// role-based navigation, the screens (Home, Site setup, Records, …), the
// language and large-text settings and the training-mode banner.
//
// It maps store errors to the rule's sentence in the user's language
// (UserMessage) and owns every hand-off from background goroutines to
// widgets (fyne.Do). It imports app/theme, app/widgets, assets, store and
// device types; never device/usb, device/serial, sync/platform or a SQL driver.
package app
