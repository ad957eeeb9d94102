package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"suyuan/store"
)

// loginScreen is the login form.
type loginScreen struct {
	user, pass *widget.Entry
	submit     *widget.Button
}

func (s *Shell) showLogin() {
	ls := &loginScreen{user: widget.NewEntry(), pass: widget.NewPasswordEntry()}
	ls.user.SetPlaceHolder(tr("login.user"))
	ls.pass.SetPlaceHolder(tr("login.password"))
	do := func() {
		a, err := s.d.Store.Login(s.ctx, ls.user.Text, ls.pass.Text)
		if err != nil {
			ls.pass.SetText("")
			s.showError(err)
			return
		}
		s.loginAs(a)
	}
	ls.pass.OnSubmitted = func(string) { do() }
	ls.user.OnSubmitted = func(string) { s.w.Canvas().Focus(ls.pass) }
	ls.submit = widget.NewButton(tr("login.submit"), do)
	ls.submit.Importance = widget.HighImportance
	large := widget.NewCheck(tr("settings.large"), s.SetLargeText)
	large.Checked = s.a.Preferences().Bool(PrefLargeText)
	title := widget.NewLabelWithStyle(tr("app.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	sub := widget.NewLabelWithStyle(tr("app.subtitle"), fyne.TextAlignCenter, fyne.TextStyle{})
	form := widget.NewForm(
		widget.NewFormItem(tr("login.user"), ls.user),
		widget.NewFormItem(tr("login.password"), ls.pass),
	)
	box := container.NewVBox(title, sub, widget.NewSeparator(), form, ls.submit,
		container.NewHBox(s.languageSelect(), layout.NewSpacer(), large))
	s.screen = ls
	s.current = "login"
	s.setBody(container.NewCenter(container.NewGridWrap(fyne.NewSize(420, box.MinSize().Height), box)))
	s.w.Canvas().Focus(ls.user)
	if s.onShown != nil {
		s.onShown("login")
	}
}

// roleNames lists role display names in store.Roles order.
func roleNames() []string {
	out := make([]string, len(store.Roles))
	for i, r := range store.Roles {
		out[i] = store.RoleName(r, CurrentLanguage())
	}
	return out
}

// roleByName maps a display name back to the role.
func roleByName(n string) store.Role {
	for _, r := range store.Roles {
		if store.RoleName(r, CurrentLanguage()) == n {
			return r
		}
	}
	return ""
}
