package app

import (
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"suyuan/store"
)

// settingsScreen: language, large text, and for admins backup and verify.
type settingsScreen struct {
	large          *widget.Check
	backup, verify *widget.Button
}

func buildSettings(s *Shell) (fyne.CanvasObject, any) {
	ss := &settingsScreen{}
	ss.large = widget.NewCheck(tr("settings.large"), nil)
	ss.large.Checked = s.a.Preferences().Bool(PrefLargeText)
	ss.large.OnChanged = s.SetLargeText
	items := []fyne.CanvasObject{
		widget.NewLabelWithStyle(tr("nav.settings"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewForm(
			widget.NewFormItem(tr("settings.language"), s.languageSelect()),
			widget.NewFormItem(tr("settings.text"), ss.large),
			widget.NewFormItem(tr("settings.mode"), widget.NewLabel(map[bool]string{true: tr("training.short"), false: tr("settings.production")}[s.d.Training])),
			widget.NewFormItem(tr("settings.dataFile"), wrapLabel(s.d.Store.Path())),
			widget.NewFormItem(tr("settings.version"), widget.NewLabel(s.d.Version)),
		),
	}
	if s.actor.Role.Can(store.PermSettings) {
		ss.backup = widget.NewButton(tr("settings.backup"), func() {
			dir := filepath.Join(filepath.Dir(s.d.Store.Path()), "backups")
			p, err := s.d.Store.Backup(s.ctx, dir)
			if err != nil {
				s.showError(err)
				return
			}
			s.showInfo(tr("settings.backup"), trf("settings.backupDone", "Path", p))
		})
		ss.verify = widget.NewButton(tr("settings.verify"), func() {
			rep, err := s.d.Store.Verify(s.ctx, nil)
			if err != nil {
				s.showError(err)
				return
			}
			if rep.OK() {
				s.showInfo(tr("settings.verify"), trf("settings.verifyOK", "N", rep.Entries, "Hash", rep.HeadHash))
				return
			}
			p := rep.Problems[0]
			s.showInfo(tr("settings.verify"), trf("settings.verifyBad", "N", len(rep.Problems), "First", pick(p.Zh, p.En)))
		})
		items = append(items, widget.NewSeparator(), container.NewHBox(ss.backup, ss.verify))
	}
	return container.NewVScroll(container.NewVBox(items...)), ss
}
