package app

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"suyuan/store"
)

// wizardScreen is the first-run wizard: step 1 creates the administrator,
// step 2 (profileStep) fills the 主体 profile. The admin comes first because
// the store records who wrote the profile; a wizard interrupted after step 1
// resumes at step 2 when the admin logs in.
type wizardScreen struct {
	user, name, pass, pass2 *widget.Entry
	create, demo            *widget.Button
	demoNote                *widget.Label
}

func (s *Shell) showWizard() {
	ws := &wizardScreen{user: widget.NewEntry(), name: widget.NewEntry(), pass: widget.NewPasswordEntry(), pass2: widget.NewPasswordEntry()}
	ws.user.SetText("admin")
	ws.create = widget.NewButton(tr("wizard.createAdmin"), func() {
		if ws.pass.Text != ws.pass2.Text {
			s.showError(uiError("wizard.passwordMismatch"))
			return
		}
		u, err := s.d.Store.CreateUser(s.ctx, store.Actor{}, store.NewUser{
			Username: strings.TrimSpace(ws.user.Text), DisplayName: strings.TrimSpace(ws.name.Text),
			Role: store.RoleAdmin, Password: ws.pass.Text})
		if err != nil {
			s.showError(err)
			return
		}
		s.loginAs(store.Actor{UserID: u.ID, Username: u.Username, Name: u.DisplayName, Role: u.Role})
	})
	ws.create.Importance = widget.HighImportance
	ws.demo = widget.NewButton(tr("wizard.demo"), func() {
		note, err := s.d.LoadDemo(s.ctx)
		if err != nil {
			s.showError(err)
			return
		}
		s.showLogin()
		if note != "" {
			s.showInfo(tr("wizard.demo"), note)
		}
	})
	ws.demoNote = widget.NewLabel(tr("wizard.demoHint"))
	if s.d.LoadDemo == nil {
		ws.demo.Disable()
		ws.demoNote.SetText(tr("wizard.demoUnavailable"))
	}
	ws.demoNote.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(tr("user.username"), ws.user),
		widget.NewFormItem(tr("user.displayName"), ws.name),
		widget.NewFormItem(tr("login.password"), ws.pass),
		widget.NewFormItem(tr("wizard.password2"), ws.pass2),
	)
	intro := wrapLabel(tr("wizard.intro"))
	heading := widget.NewLabelWithStyle(tr("wizard.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameHeadingText
	box := container.NewVBox(
		heading,
		intro,
		widget.NewLabelWithStyle(tr("wizard.step1"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		form, ws.create, widget.NewSeparator(), ws.demo, ws.demoNote,
		s.languageSelect(),
	)
	s.screen = ws
	s.current = "wizard"
	s.setBody(container.NewCenter(container.NewGridWrap(fyne.NewSize(560, box.MinSize().Height), box)))
	if s.onShown != nil {
		s.onShown("wizard")
	}
}

// profileForm edits the 主体 profile; used by the wizard and Site setup.
type profileForm struct {
	name, credit, legal, contact, phone, address, division, site, lon, lat, account *widget.Entry
	scale, etype                                                                    *widget.Select
	form                                                                            *widget.Form
	id                                                                              int64
}

var scales = []string{store.ScaleCooperative, store.ScaleEnterprise, store.ScaleFamilyFarm, store.ScaleIndividual}
var entityTypes = []string{store.EntityProduction, store.EntityOperation, store.EntityBoth}

func newProfileForm() *profileForm {
	p := &profileForm{}
	for _, e := range []**widget.Entry{&p.name, &p.credit, &p.legal, &p.contact, &p.phone, &p.address, &p.division, &p.site, &p.lon, &p.lat, &p.account} {
		*e = widget.NewEntry()
	}
	p.scale = newSelect(transAll("scale.", scales), nil)
	p.etype = newSelect(transAll("etype.", entityTypes), nil)
	p.scale.SetSelectedIndex(0)
	p.etype.SetSelectedIndex(0)
	p.credit.SetPlaceHolder("93530427MA6XXXXXXX")
	p.division.SetPlaceHolder("530427")
	p.site.SetPlaceHolder(tr("profile.siteCodeHint"))
	p.form = widget.NewForm(
		widget.NewFormItem(tr("profile.name"), p.name),
		widget.NewFormItem(tr("profile.scale"), p.scale),
		widget.NewFormItem(tr("profile.type"), p.etype),
		widget.NewFormItem(tr("profile.credit"), p.credit),
		widget.NewFormItem(tr("profile.legal"), p.legal),
		widget.NewFormItem(tr("profile.contact"), p.contact),
		widget.NewFormItem(tr("profile.phone"), p.phone),
		widget.NewFormItem(tr("profile.address"), p.address),
		widget.NewFormItem(tr("profile.division"), p.division),
		widget.NewFormItem(tr("profile.siteCode"), p.site),
		widget.NewFormItem(tr("profile.lonlat"), container.NewGridWithColumns(2, p.lon, p.lat)),
		widget.NewFormItem(tr("profile.account"), p.account),
	)
	return p
}

func (p *profileForm) load(e store.Entity) {
	p.id = e.ID
	p.name.SetText(e.Name)
	p.scale.SetSelectedIndex(indexOf(scales, e.Scale))
	p.etype.SetSelectedIndex(indexOf(entityTypes, e.EntityType))
	p.credit.SetText(e.CreditCode)
	p.legal.SetText(e.LegalRep)
	p.contact.SetText(e.ContactName)
	p.phone.SetText(e.ContactPhone)
	p.address.SetText(e.Address)
	p.division.SetText(e.DivisionCode)
	p.site.SetText(e.SiteCode)
	p.lon.SetText(fmtOptFloat(e.Longitude))
	p.lat.SetText(fmtOptFloat(e.Latitude))
	p.account.SetText(e.PlatformAccount)
}

func (p *profileForm) value() (store.Entity, error) {
	lon, err := parseOptFloat(p.lon.Text, "field.longitude")
	if err != nil {
		return store.Entity{}, err
	}
	lat, err := parseOptFloat(p.lat.Text, "field.latitude")
	if err != nil {
		return store.Entity{}, err
	}
	return store.Entity{ID: p.id, Name: p.name.Text, Scale: at(scales, p.scale.SelectedIndex()),
		EntityType: at(entityTypes, p.etype.SelectedIndex()), CreditCode: p.credit.Text,
		LegalRep: p.legal.Text, ContactName: p.contact.Text, ContactPhone: p.phone.Text, Address: p.address.Text,
		DivisionCode: p.division.Text, SiteCode: p.site.Text, Longitude: lon, Latitude: lat,
		PlatformAccount: p.account.Text}, nil
}

// profileStep is wizard step 2.
type profileStep struct {
	form *profileForm
	save *widget.Button
}

func (s *Shell) showProfileStep() {
	ps := &profileStep{form: newProfileForm()}
	ps.save = widget.NewButton(tr("wizard.saveProfile"), func() {
		e, err := ps.form.value()
		if err == nil {
			_, err = s.d.Store.SaveEntity(s.ctx, s.actor, e)
		}
		if err != nil {
			s.showError(err)
			return
		}
		s.current = "home"
		s.render()
	})
	ps.save.Importance = widget.HighImportance
	box := container.NewVBox(
		widget.NewLabelWithStyle(tr("wizard.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle(tr("wizard.step2"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		ps.form.form, ps.save)
	s.screen = ps
	s.current = "wizard-profile"
	s.setBody(container.NewCenter(container.NewGridWrap(fyne.NewSize(640, box.MinSize().Height), box)))
	if s.onShown != nil {
		s.onShown("wizard-profile")
	}
}

// transAll translates prefix+value for each value (select options).
func transAll(prefix string, vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = tr(prefix + v)
	}
	return out
}

func indexOf(vals []string, v string) int {
	for i, x := range vals {
		if x == v {
			return i
		}
	}
	return -1
}

func at(vals []string, i int) string {
	if i < 0 || i >= len(vals) {
		return ""
	}
	return vals[i]
}

func fmtOptFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func fmtFloat(f float64) string {
	if f == 0 {
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// parseOptFloat reads an optional number; empty is nil.
func parseOptFloat(s, field string) (*float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, uiError("error.number", "Field", tr(field), "Value", s)
	}
	return &f, nil
}

// parseFloat reads a number; empty is 0 (the store rejects a required 0).
func parseFloat(s, field string) (float64, error) {
	p, err := parseOptFloat(s, field)
	if err != nil || p == nil {
		return 0, err
	}
	return *p, nil
}

// uiErr is a GUI-side input error with a translated message.
type uiErr struct {
	key string
	kv  []any
}

func uiError(key string, kv ...any) error { return &uiErr{key: key, kv: kv} }
func (e *uiErr) Error() string            { return e.key }

// UserMessage returns the translation in the current language (the GUI has
// one language at a time; lang is accepted for the common interface).
func (e *uiErr) UserMessage(string) string { return trf(e.key, e.kv...) }
