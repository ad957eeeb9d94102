package app

import (
	"context"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	stheme "suyuan/app/theme"
	"suyuan/store"
)

// Deps is what the shell needs from the composition root (cmd/suyuan). The
// store is used directly; the optional parts are small function values or
// interfaces so that device and sync code never reach into the GUI.
type Deps struct {
	Store *store.DB
	// Training marks a sandbox store with simulated devices; every screen
	// shows a banner.
	Training bool
	// LoadDemo fills an empty store with demonstration data (first-run
	// wizard). It returns a note for the user, e.g. the demo login. nil
	// disables the button.
	LoadDemo func(ctx context.Context) (note string, err error)
	// Status reports device, network and sync state for Home; nil shows
	// them as not configured. When it also has Subscribe(func()) func(),
	// Home's pills follow its changes (see StatusMonitor).
	Status StatusSource
	// Sync is the one background uploader (SyncService); the Sync screen
	// shows its status and "sync now" pokes it. nil: the screen runs one
	// pass of its own.
	Sync SyncController
	// AnalyzerProfiles is the folder of generic analyzer profiles
	// (<data>/analyzer-profiles); "" puts it next to the store file.
	AnalyzerProfiles string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Version is shown in Settings.
	Version string
}

// Status is one line of Home's status panel.
type Status struct {
	Key   string // StatusKeyPrinter, …: lets Home match its own rows
	Label string // already translated
	Text  string
	State int // widgets.PillState
}

// StatusSource reports device, network and outbox state. Implementations
// are called on the UI goroutine and must return quickly (cached values).
type StatusSource interface {
	Statuses(lang string) []Status
}

// Shell is the running GUI: it owns the window content and the logged-in user.
type Shell struct {
	a   fyne.App
	w   fyne.Window
	d   Deps
	ctx context.Context

	actor    store.Actor
	loggedIn bool
	current  string
	screen   any // the screen struct on show (tests inspect it)

	// lastMessage is the text of the last error/info dialog, for tests
	// and the screenshot tour.
	lastMessage string
	lastRecord  *recordDialog
	onShown     func(name string)
}

// New builds the GUI in w: the first-run wizard when the store has no user,
// else the login screen. Language and text size come from a's Preferences.
func New(a fyne.App, w fyne.Window, deps Deps) *Shell {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Shell{a: a, w: w, d: deps, ctx: context.Background()}
	_ = SetLanguage(a.Preferences().StringWithFallback(PrefLanguage, "zh"))
	a.Settings().SetTheme(stheme.New(a.Preferences().Bool(PrefLargeText)))
	if n, ok := deps.Status.(interface{ Subscribe(func()) func() }); ok {
		n.Subscribe(func() { fyne.Do(s.statusChanged) })
	}
	s.start()
	return s
}

// start shows the wizard or the login screen.
func (s *Shell) start() {
	n, err := s.d.Store.UserCount(s.ctx)
	if err != nil {
		s.setBody(widget.NewLabel(userMessage(err)))
		return
	}
	if n == 0 {
		s.showWizard()
		return
	}
	s.showLogin()
}

// Actor returns the logged-in user (zero before login).
func (s *Shell) Actor() store.Actor { return s.actor }

// OnShown registers a callback run after each screen is shown (the
// screenshot tour waits on it).
func (s *Shell) OnShown(f func(name string)) { s.onShown = f }

func (s *Shell) title() string {
	t := tr("app.title")
	if s.d.Training {
		t += " — " + tr("training.short")
	}
	return t
}

// setBody puts content under the training banner (when training).
func (s *Shell) setBody(content fyne.CanvasObject) {
	s.w.SetTitle(s.title())
	var top fyne.CanvasObject
	if s.d.Training {
		top = trainingBanner()
	}
	s.w.SetContent(container.NewBorder(top, nil, nil, nil, content))
}

// trainingBanner is the amber strip shown on every screen in training mode.
func trainingBanner() fyne.CanvasObject {
	bg := canvas.NewRectangle(fyne.CurrentApp().Settings().Theme().Color(stheme.ColorNameTraining, 0))
	txt := canvas.NewText(tr("training.banner"), color.Black)
	txt.TextStyle.Bold = true
	txt.Alignment = fyne.TextAlignCenter
	return container.NewStack(bg, container.NewPadded(txt))
}

// showError shows the rule's message for err in a dialog.
func (s *Shell) showError(err error) {
	if err == nil {
		return
	}
	msg := userMessage(err)
	s.lastMessage = msg
	d := dialog.NewCustom(tr("error.title"), tr("OK"), wrapLabel(msg), s.w)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

// showInfo shows a short confirmation.
func (s *Shell) showInfo(title, msg string) {
	s.lastMessage = msg
	d := dialog.NewCustom(title, tr("OK"), wrapLabel(msg), s.w)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// navItem is one entry of the left navigation.
type navItem struct {
	id    string
	title string // translation key
	can   func(store.Role) bool
	build func(s *Shell) (fyne.CanvasObject, any)
}

func anyPerm(ps ...store.Perm) func(store.Role) bool {
	return func(r store.Role) bool {
		for _, p := range ps {
			if r.Can(p) {
				return true
			}
		}
		return false
	}
}

func everyone(store.Role) bool { return true }

// baseNavItems lists the shell's screens in menu order, Settings last. A
// screen appears only for roles whose permissions let them use it (the store
// checks again on every write).
func baseNavItems() []navItem {
	return []navItem{
		{id: "home", title: "nav.home", can: everyone, build: buildHome},
		{id: "site", title: "nav.site", can: anyPerm(store.PermSite, store.PermUsers), build: buildSite},
		{id: "records", title: "nav.records", can: anyPerm(store.PermInputs, store.PermHarvest), build: buildRecords},
		{id: "settings", title: "nav.settings", can: everyone, build: buildSettings},
	}
}

// navItems lists every screen: the shell's own, then the screens that other
// files registered with registerScreen, with Settings last.
func navItems() []navItem {
	base := baseNavItems()
	out := make([]navItem, 0, len(base)+len(extraScreens))
	out = append(out, base[:len(base)-1]...)
	out = append(out, extraScreens...)
	return append(out, base[len(base)-1])
}

// extraScreens are added by screen files from init(), in file order, so a
// screen can be added without editing the shell.
var extraScreens []navItem

func registerScreen(it navItem) { extraScreens = append(extraScreens, it) }

// Screens returns the ids of the screens the logged-in user may open.
func (s *Shell) Screens() []string {
	var out []string
	for _, it := range navItems() {
		if s.loggedIn && it.can(s.actor.Role) {
			out = append(out, it.id)
		}
	}
	return out
}

// Show opens screen id (if the user may) and returns whether it did.
func (s *Shell) Show(id string) bool {
	if !s.loggedIn {
		return false
	}
	for _, it := range navItems() {
		if it.id == id && it.can(s.actor.Role) {
			s.current = id
			s.render()
			return true
		}
	}
	return false
}

// render rebuilds the main window for the current screen: top bar, left
// navigation and the screen. Rebuilding (rather than patching labels) is
// how a language or text-size change reaches every widget.
func (s *Shell) render() {
	var body fyne.CanvasObject
	nav := container.NewVBox()
	for _, it := range navItems() {
		if !it.can(s.actor.Role) {
			continue
		}
		it := it
		b := widget.NewButton(tr(it.title), func() { s.Show(it.id) })
		b.Alignment = widget.ButtonAlignLeading
		if it.id == s.current {
			b.Importance = widget.HighImportance
			body, s.screen = it.build(s)
		}
		nav.Add(b)
	}
	if body == nil {
		body = widget.NewLabel("")
	}
	user := widget.NewLabel(s.actor.Name + " · " + store.RoleName(s.actor.Role, CurrentLanguage()))
	logout := widget.NewButton(tr("nav.logout"), s.logout)
	site := widget.NewLabelWithStyle(s.siteName(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewHBox(site, layout.NewSpacer(), s.languageSelect(), user, logout)
	left := container.NewBorder(nil, nil, nil, nil, container.NewVScroll(nav))
	split := container.NewBorder(container.NewVBox(top, widget.NewSeparator()), nil,
		container.NewHBox(left, widget.NewSeparator()), nil, body)
	s.setBody(split)
	if s.onShown != nil {
		s.onShown(s.current)
	}
}

func (s *Shell) siteName() string {
	e, err := s.d.Store.GetEntity(s.ctx)
	if err != nil {
		return tr("app.title")
	}
	return e.Name
}

// languageSelect switches zh/en, persists the choice and redraws.
func (s *Shell) languageSelect() *widget.Select {
	names := map[string]string{"zh": "中文", "en": "English"}
	sel := widget.NewSelect([]string{names["zh"], names["en"]}, nil)
	sel.SetSelected(names[CurrentLanguage()])
	sel.OnChanged = func(v string) {
		l := "zh"
		if v == names["en"] {
			l = "en"
		}
		if l == CurrentLanguage() {
			return
		}
		s.SetLanguage(l)
	}
	return sel
}

// SetLanguage switches the GUI language, saves it and redraws.
func (s *Shell) SetLanguage(l string) {
	if err := SetLanguage(l); err != nil {
		s.showError(err)
		return
	}
	s.a.Preferences().SetString(PrefLanguage, CurrentLanguage())
	s.redraw()
}

// SetLargeText switches the large-text theme, saves it and redraws.
func (s *Shell) SetLargeText(on bool) {
	s.a.Preferences().SetBool(PrefLargeText, on)
	s.a.Settings().SetTheme(stheme.New(on))
	s.redraw()
}

func (s *Shell) redraw() {
	switch {
	case s.loggedIn:
		s.render()
	default:
		s.start()
	}
}

func (s *Shell) logout() {
	s.actor, s.loggedIn, s.current, s.screen = store.Actor{}, false, "", nil
	s.showLogin()
}

// loginAs enters the main window as a (after Login or the wizard). An admin
// whose site has no profile yet is sent to the profile step first.
func (s *Shell) loginAs(a store.Actor) {
	s.actor, s.loggedIn = a, true
	if _, err := s.d.Store.GetEntity(s.ctx); store.IsNotFound(err) && a.Role.Can(store.PermSite) {
		s.showProfileStep()
		return
	}
	s.current = "home"
	s.render()
}
