package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// OfferTrainingDemo asks, in training mode on an empty sandbox, whether to
// load the demo data (Deps.LoadDemo); yes loads it on a goroutine and shows
// the login screen with the demo login. It does nothing in production, on a
// sandbox that has users, or without LoadDemo.
func (s *Shell) OfferTrainingDemo() {
	if !s.d.Training || s.d.LoadDemo == nil {
		return
	}
	if n, err := s.d.Store.UserCount(s.ctx); err != nil || n != 0 {
		return
	}
	d := dialog.NewConfirm(tr("training.demoTitle"), tr("training.demoOffer"), func(ok bool) {
		if ok {
			s.loadTrainingDemo()
		}
	}, s.w)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
}

// loadTrainingDemo runs LoadDemo off the UI goroutine (it writes a year of
// records) behind a progress dialog.
func (s *Shell) loadTrainingDemo() {
	wait := dialog.NewCustomWithoutButtons(tr("wizard.demo"), widget.NewProgressBarInfinite(), s.w)
	wait.Show()
	go func() {
		note, err := s.d.LoadDemo(s.ctx)
		fyne.Do(func() {
			wait.Hide()
			if err != nil {
				s.showError(err)
				return
			}
			s.showLogin()
			if note != "" {
				s.showInfo(tr("wizard.demo"), note)
			}
		})
	}()
}
