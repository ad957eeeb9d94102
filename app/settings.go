package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"suyuan/app/label"
	"suyuan/app/widgets"
	"suyuan/device/analyzer"
	"suyuan/device/printer"
	"suyuan/store"
	"suyuan/sync/platform"
)

// settingsScreen is local configuration in tabs: general (language, text
// size, mode), the label printer (address, size, dpi, language, test
// print), scanner mode and analyzer profiles, the platform account and
// backups. Settings live in the store's settings table (not journaled, never
// uploaded); the store lets only users with PermSettings change them (the
// platform account needs PermSyncAdmin), and the screen shows its refusal.
type settingsScreen struct {
	s    *Shell
	tabs *container.AppTabs
	// done receives once per finished background job (test print, backup,
	// verify, profile save): tests wait on it.
	done chan error

	large *widget.Check

	// printer
	uri, urlTmpl               *widget.Entry
	size, dpi, plang           *widget.Select
	savePrinter, testPrint     *widget.Button
	printPill                  *widgets.StatusPill
	printResult                *widget.Label
	printing                   bool
	printProgress              *widget.ProgressBarInfinite
	printImage                 *canvas.Image
	scanner                    *widget.RadioGroup
	scannerDev                 *scannerDeviceForm
	profiles                   *widget.List
	profileRows                []analyzer.Profile
	profileSel                 int
	profileEdit                *widget.Entry
	profNew, profSave, profDel *widget.Button
	profileMsg                 *widget.Label
	profileNone                *widget.Label

	// platform
	platURL, platAccount, platSecret *widget.Entry
	platSave                         *widget.Button
	platMsg                          *widget.Label

	// backup
	backupDir      *widget.Entry
	chooseDir      *widget.Button
	backup, verify *widget.Button
	backupProgress *widget.ProgressBarInfinite
	backupResult   *widget.Label
	lastBackup     string
}

// Scanner mode choices in radio order.
var scannerModes = []string{ScannerWedge, ScannerSerial, ScannerHID}

// printerDPIs are the print-head resolutions of the label printers sites use.
var printerDPIs = []string{"203", "300"}

func buildSettings(s *Shell) (fyne.CanvasObject, any) {
	ss := &settingsScreen{s: s, done: make(chan error, 8), profileSel: -1}
	ss.tabs = container.NewAppTabs(
		container.NewTabItem(tr("settings.tabGeneral"), ss.generalTab()),
		container.NewTabItem(tr("settings.tabPrinter"), ss.printerTab()),
		container.NewTabItem(tr("settings.tabDevices"), ss.devicesTab()),
		container.NewTabItem(tr("settings.tabPlatform"), ss.platformTab()),
		container.NewTabItem(tr("settings.tabBackup"), ss.backupTab()),
	)
	var top fyne.CanvasObject = title(tr("nav.settings"))
	if !s.actor.Role.Can(store.PermSettings) {
		top = container.NewVBox(top, wrapLabel(tr("settings.adminOnly")))
	}
	return container.NewBorder(top, nil, nil, nil, ss.tabs), ss
}

// finish reports a finished background job to tests.
func (ss *settingsScreen) finish(err error) {
	select {
	case ss.done <- err:
	default:
	}
}

// setting reads a store setting ("" when unset).
func (ss *settingsScreen) setting(key string) string {
	v, err := ss.s.d.Store.Setting(ss.s.ctx, key)
	if err != nil {
		fyne.LogError("read setting "+key, err)
	}
	return strings.TrimSpace(v)
}

// recheck asks the status monitor to look again after a change.
func (ss *settingsScreen) recheck() {
	if r, ok := ss.s.d.Status.(interface{ Recheck() }); ok {
		r.Recheck()
	}
}

func (ss *settingsScreen) generalTab() fyne.CanvasObject {
	s := ss.s
	ss.large = widget.NewCheck(tr("settings.large"), nil)
	ss.large.Checked = s.a.Preferences().Bool(PrefLargeText)
	ss.large.OnChanged = s.SetLargeText
	mode := tr("settings.production")
	if s.d.Training {
		mode = tr("training.short")
	}
	return container.NewVScroll(widget.NewForm(
		widget.NewFormItem(tr("settings.language"), s.languageSelect()),
		widget.NewFormItem(tr("settings.text"), ss.large),
		widget.NewFormItem(tr("settings.mode"), widget.NewLabel(mode)),
		widget.NewFormItem(tr("settings.dataFile"), wrapLabel(s.d.Store.Path())),
		widget.NewFormItem(tr("settings.version"), widget.NewLabel(s.d.Version)),
	))
}

// ---- printer ----

func (ss *settingsScreen) printerTab() fyne.CanvasObject {
	ss.uri = widget.NewEntry()
	ss.uri.SetPlaceHolder("tcp://192.168.1.50:9100")
	ss.uri.SetText(ss.setting(store.SettingPrinterURI))
	sizes := make([]string, len(label.Presets))
	for i, p := range label.Presets {
		sizes[i] = p.String()
	}
	ss.size = widget.NewSelect(sizes, nil)
	sz := ss.setting(store.SettingPrinterSize)
	if sz == "" {
		sz = label.Size60x40.String()
	}
	if indexOf(sizes, sz) < 0 {
		ss.size.Options = append(ss.size.Options, sz)
	}
	ss.size.SetSelected(sz)
	ss.dpi = widget.NewSelect(printerDPIs, nil)
	dpi := ss.setting(store.SettingPrinterDPI)
	if indexOf(printerDPIs, dpi) < 0 {
		dpi = "203"
	}
	ss.dpi.SetSelected(dpi)
	langs := make([]string, len(printer.Langs))
	for i, l := range printer.Langs {
		langs[i] = string(l)
	}
	ss.plang = widget.NewSelect(langs, nil)
	pl := ss.setting(store.SettingPrinterLang)
	if indexOf(langs, pl) < 0 {
		pl = string(printer.TSPL)
	}
	ss.plang.SetSelected(pl)
	ss.urlTmpl = widget.NewEntry()
	ss.urlTmpl.SetPlaceHolder(label.DefaultURLTemplate)
	ss.urlTmpl.SetText(ss.setting(store.SettingURLTemplate))

	ss.savePrinter = widget.NewButton(tr("settings.save"), ss.savePrinterSettings)
	ss.savePrinter.Importance = widget.HighImportance
	ss.testPrint = widget.NewButton(tr("settings.testPrint"), ss.runTestPrint)
	ss.printPill = widgets.NewStatusPill(tr("settings.notTested"), widgets.PillIdle)
	ss.printResult = wrapLabel("")
	ss.printProgress = widget.NewProgressBarInfinite()
	ss.printProgress.Stop()
	ss.printProgress.Hide()
	ss.printImage = canvas.NewImageFromImage(nil)
	ss.printImage.FillMode = canvas.ImageFillContain
	ss.printImage.SetMinSize(fyne.NewSize(300, 200))
	ss.printImage.Hide()

	form := widget.NewForm(
		widget.NewFormItem(tr("settings.printerURI"), ss.uri),
		widget.NewFormItem(tr("packing.size"), ss.size),
		widget.NewFormItem(tr("settings.dpi"), ss.dpi),
		widget.NewFormItem(tr("settings.printerLang"), ss.plang),
		widget.NewFormItem(tr("settings.urlTemplate"), ss.urlTmpl),
	)
	return container.NewVScroll(container.NewVBox(
		form,
		wrapLabel(tr("settings.printerHint")),
		container.NewHBox(ss.savePrinter, ss.testPrint),
		ss.printProgress,
		container.NewBorder(nil, nil, container.NewVBox(ss.printPill), nil, ss.printResult),
		container.NewHBox(ss.printImage),
	))
}

// printerForm checks the printer fields; the errors name the field.
func (ss *settingsScreen) printerForm() (uri string, size label.Size, dpi int, lang printer.Lang, err error) {
	uri = strings.TrimSpace(ss.uri.Text)
	if uri != "" {
		if _, err = printer.ParseURI(uri); err != nil {
			return
		}
	}
	if size, err = label.ParseSize(ss.size.Selected); err != nil {
		return
	}
	dpi, _ = strconv.Atoi(ss.dpi.Selected)
	if dpi <= 0 {
		dpi = 203
	}
	lang, err = printer.ParseLang(ss.plang.Selected)
	return
}

// savePrinterSettings stores the printer fields; the store checks the
// permission and the screen shows its refusal.
func (ss *settingsScreen) savePrinterSettings() {
	s := ss.s
	uri, size, dpi, lang, err := ss.printerForm()
	if err != nil {
		s.showError(err)
		return
	}
	tmpl := strings.TrimSpace(ss.urlTmpl.Text)
	if tmpl != "" {
		if _, err := label.QRContent(label.Sample(label.TraceLabel), tmpl); err != nil {
			s.showError(err)
			return
		}
	}
	for _, kv := range [][2]string{
		{store.SettingPrinterURI, uri},
		{store.SettingPrinterSize, size.String()},
		{store.SettingPrinterDPI, strconv.Itoa(dpi)},
		{store.SettingPrinterLang, string(lang)},
		{store.SettingURLTemplate, tmpl},
	} {
		if err := s.d.Store.SetSetting(s.ctx, s.actor, kv[0], kv[1]); err != nil {
			s.showError(err)
			return
		}
	}
	ss.recheck()
	s.showInfo(tr("settings.tabPrinter"), tr("settings.saved"))
}

// runTestPrint prints label.Sample with the fields as they are on screen
// (saved or not) through the real transport, on a goroutine.
func (ss *settingsScreen) runTestPrint() {
	s := ss.s
	if ss.printing {
		return
	}
	uri, size, dpi, lang, err := ss.printerForm()
	if err == nil && uri == "" {
		err = uiError("settings.noPrinterURI")
	}
	if err != nil {
		ss.printPill.Set(tr("settings.printFailed"), widgets.PillBad)
		ss.printResult.SetText(userMessage(err))
		ss.finish(err)
		return
	}
	ss.printing = true
	ss.testPrint.Disable()
	ss.printProgress.Show()
	ss.printProgress.Start()
	ss.printPill.Set(tr("settings.printing"), widgets.PillWarn)
	ss.printResult.SetText(uri)
	tmpl := strings.TrimSpace(ss.urlTmpl.Text)
	go func() {
		ctx, cancel := context.WithTimeout(s.ctx, 20*time.Second)
		defer cancel()
		bm, err := testPrint(ctx, uri, size, dpi, lang, tmpl)
		fyne.Do(func() {
			if bm != nil {
				// What was sent, dot for dot (the label preview is the print).
				ss.printImage.Image = bm
				ss.printImage.Show()
				ss.printImage.Refresh()
			}
			ss.printing = false
			ss.testPrint.Enable()
			ss.printProgress.Stop()
			ss.printProgress.Hide()
			if err != nil {
				ss.printPill.Set(tr("settings.printFailed"), widgets.PillBad)
				ss.printResult.SetText(userMessage(err))
			} else {
				ss.printPill.Set(tr("settings.printOK"), widgets.PillOK)
				ss.printResult.SetText(trf("settings.printSent", "URI", uri, "Size", size.String(), "DPI", dpi, "Lang", strings.ToUpper(string(lang))))
			}
			ss.recheck()
			ss.finish(err)
		})
	}()
}

// testPrint renders the sample trace label and sends it as one job; over
// raw TCP it waits for the printer's status reply, so "printed" means the
// printer has the bytes.
func testPrint(ctx context.Context, uri string, size label.Size, dpi int, lang printer.Lang, tmpl string) (*printer.Bitmap, error) {
	bm, err := label.Render(label.Sample(label.TraceLabel), size, dpi, label.Options{URLTemplate: tmpl})
	if err != nil {
		return nil, err
	}
	job, err := printer.Encode(lang, bm, printer.JobOptions{DPI: dpi})
	if err != nil {
		return bm, err
	}
	t, err := printer.Open(ctx, uri)
	if err != nil {
		return bm, err
	}
	if err := t.Write(ctx, job); err != nil {
		t.Close()
		return bm, err
	}
	if c, ok := t.(printer.Confirmer); ok {
		if err := c.Confirm(ctx, lang); err != nil {
			t.Close()
			return bm, err
		}
	}
	return bm, t.Close()
}

// ---- scanner and analyzer profiles ----

func (ss *settingsScreen) devicesTab() fyne.CanvasObject {
	s := ss.s
	labels := make([]string, len(scannerModes))
	for i, m := range scannerModes {
		labels[i] = tr("settings.scanner." + m)
	}
	ss.scanner = widget.NewRadioGroup(labels, nil)
	cur := ss.setting(store.SettingScannerMode)
	if i := indexOf(scannerModes, cur); i >= 0 {
		ss.scanner.SetSelected(labels[i])
	} else {
		ss.scanner.SetSelected(labels[0])
	}
	ss.scanner.OnChanged = func(v string) {
		i := indexOf(labels, v)
		if i < 0 {
			return
		}
		if err := s.d.Store.SetSetting(s.ctx, s.actor, store.SettingScannerMode, scannerModes[i]); err != nil {
			s.showError(err)
			return
		}
		ss.recheck()
		scannerSettingsChanged(s)
	}
	ss.scanner.Required = true

	ss.profiles = widget.NewList(func() int { return len(ss.profileRows) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(ss.profileRows) {
				p := ss.profileRows[i]
				t := p.Name
				if p.Model != "" {
					t += " · " + p.Model
				}
				o.(*widget.Label).SetText(t)
			}
		})
	ss.profiles.OnSelected = ss.selectProfile
	ss.profileEdit = widget.NewMultiLineEntry()
	ss.profileEdit.TextStyle.Monospace = true
	ss.profileEdit.SetMinRowsVisible(12)
	ss.profileEdit.Wrapping = fyne.TextWrapOff
	ss.profNew = widget.NewButton(tr("settings.profileNew"), func() {
		ss.profiles.UnselectAll()
		ss.profileSel = -1
		ss.profileEdit.SetText(profileTemplate())
	})
	ss.profSave = widget.NewButton(tr("settings.save"), ss.saveProfile)
	ss.profSave.Importance = widget.HighImportance
	ss.profDel = widget.NewButton(tr("settings.profileDelete"), ss.confirmDeleteProfile)
	ss.profileMsg = wrapLabel("")

	ss.scannerDev = newScannerDeviceForm(ss)
	// Mode and device address side by side: the tab must fit 1280×800.
	scannerBox := container.NewGridWithColumns(2,
		container.NewVBox(title(tr("settings.scannerMode")), ss.scanner, wrapLabel(tr("settings.scannerHint"))), ss.scannerDev.box)
	ss.profileNone = wrapLabel(tr("settings.profilesNone"))
	ss.loadProfiles()
	list := container.NewBorder(container.NewVBox(title(tr("settings.profiles")), ss.profileNone), nil, nil, nil, ss.profiles)
	editor := container.NewBorder(wrapLabel(trf("settings.profilesHint", "Dir", ss.profileDir())),
		container.NewVBox(container.NewHBox(ss.profNew, ss.profSave, ss.profDel), ss.profileMsg), nil, nil, ss.profileEdit)
	split := container.NewHSplit(list, editor)
	split.Offset = 0.3
	return container.NewBorder(container.NewVBox(scannerBox, widget.NewSeparator()), nil, nil, nil, split)
}

// profileDir is where generic analyzer profiles are kept.
func (ss *settingsScreen) profileDir() string {
	if ss.s.d.AnalyzerProfiles != "" {
		return ss.s.d.AnalyzerProfiles
	}
	return filepath.Join(filepath.Dir(ss.s.d.Store.Path()), "analyzer-profiles")
}

func (ss *settingsScreen) loadProfiles() {
	rows, err := analyzer.LoadProfiles(ss.profileDir())
	if err != nil {
		ss.profileMsg.SetText(userMessage(err))
	}
	ss.profileRows = rows
	if len(rows) == 0 {
		ss.profileNone.Show()
	} else {
		ss.profileNone.Hide()
	}
	ss.profiles.UnselectAll()
	ss.profileSel = -1
	ss.profiles.Refresh()
}

func (ss *settingsScreen) selectProfile(i widget.ListItemID) {
	if i < 0 || i >= len(ss.profileRows) {
		return
	}
	ss.profileSel = i
	b, _ := json.MarshalIndent(ss.profileRows[i], "", "  ")
	ss.profileEdit.SetText(string(b))
	ss.profileMsg.SetText("")
}

// profileTemplate is a valid starting point: a line-per-record instrument
// printing "sample,item,rate,result".
func profileTemplate() string {
	p := analyzer.Profile{Name: "new-analyzer", Description: "示例 / example", Serial: analyzer.SerialParams{Baud: 9600},
		Encoding: "gb18030", Framing: "line", CSV: &analyzer.CSVMap{Separator: ",", Fields: map[string]int{"sample_no": 0, "item": 1, "rate": 2, "result": 3}}}
	b, _ := json.MarshalIndent(p, "", "  ")
	return string(b)
}

// parseProfile decodes the editor's JSON strictly (an unknown field is a
// typo that would otherwise be silently ignored).
func parseProfile(text string) (analyzer.Profile, error) {
	var p analyzer.Profile
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, &analyzer.ProfileError{Profile: "?", Field: "json", Msg: err.Error()}
	}
	return p, p.Validate()
}

func (ss *settingsScreen) saveProfile() {
	s := ss.s
	if err := s.actor.Require(store.PermSettings); err != nil {
		s.showError(err)
		return
	}
	p, err := parseProfile(ss.profileEdit.Text)
	if err == nil {
		err = analyzer.SaveProfile(ss.profileDir(), p)
	}
	if err != nil {
		ss.profileMsg.SetText(userMessage(err))
		ss.finish(err)
		return
	}
	ss.loadProfiles()
	for i, r := range ss.profileRows {
		if r.Name == p.Name {
			ss.profiles.Select(i)
		}
	}
	ss.profileMsg.SetText(trf("settings.profileSaved", "Name", p.Name))
	ss.finish(nil)
}

func (ss *settingsScreen) confirmDeleteProfile() {
	s := ss.s
	if ss.profileSel < 0 || ss.profileSel >= len(ss.profileRows) {
		s.showError(uiError("settings.profilePick"))
		return
	}
	name := ss.profileRows[ss.profileSel].Name
	d := dialog.NewConfirm(tr("settings.profileDelete"), trf("settings.profileDeleteQ", "Name", name), func(ok bool) {
		if ok {
			ss.deleteProfile(name)
		}
	}, s.w)
	d.Show()
}

// deleteProfile removes the file that holds the profile called name.
func (ss *settingsScreen) deleteProfile(name string) {
	s := ss.s
	if err := s.actor.Require(store.PermSettings); err != nil {
		s.showError(err)
		return
	}
	files, _ := filepath.Glob(filepath.Join(ss.profileDir(), "*.json"))
	removed := false
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var p analyzer.Profile
		if json.Unmarshal(b, &p) == nil && p.Name == name {
			if err := os.Remove(f); err != nil {
				s.showError(fmt.Errorf("delete profile %s: %w", name, err))
				return
			}
			removed = true
		}
	}
	ss.loadProfiles()
	ss.profileEdit.SetText("")
	if removed {
		ss.profileMsg.SetText(trf("settings.profileDeleted", "Name", name))
	}
}

// ---- platform account ----

func (ss *settingsScreen) platformTab() fyne.CanvasObject {
	s := ss.s
	cfg, err := s.d.Store.SyncConfig(s.ctx)
	if err != nil {
		fyne.LogError("read sync config", err)
	}
	ss.platURL = widget.NewEntry()
	ss.platURL.SetPlaceHolder("https://…")
	ss.platURL.SetText(cfg.URL)
	ss.platAccount = widget.NewEntry()
	ss.platAccount.SetText(cfg.Account)
	// The secret is never read back into a widget: the field starts empty
	// and its placeholder says whether one is stored.
	ss.platSecret = widget.NewPasswordEntry()
	ss.setSecretHint(cfg.Secret != "")
	ss.platSave = widget.NewButton(tr("settings.save"), ss.savePlatform)
	ss.platSave.Importance = widget.HighImportance
	ss.platMsg = wrapLabel("")
	return container.NewVScroll(container.NewVBox(
		widget.NewForm(
			widget.NewFormItem(tr("settings.platformURL"), ss.platURL),
			widget.NewFormItem(tr("settings.platformAccount"), ss.platAccount),
			widget.NewFormItem(tr("settings.platformSecret"), ss.platSecret),
		),
		wrapLabel(tr("settings.platformHint")),
		container.NewHBox(ss.platSave),
		ss.platMsg,
	))
}

func (ss *settingsScreen) setSecretHint(stored bool) {
	if stored {
		ss.platSecret.SetPlaceHolder(tr("settings.secretStored"))
	} else {
		ss.platSecret.SetPlaceHolder(tr("settings.secretNone"))
	}
}

// savePlatform stores the platform account; an empty secret field keeps
// the stored secret. The running uploader restarts with the new account.
func (ss *settingsScreen) savePlatform() {
	s := ss.s
	old, err := s.d.Store.SyncConfig(s.ctx)
	if err != nil && store.ErrorCode(err) != store.CodeSecretKey { // a lost key: the new secret replaces it
		s.showError(err)
		return
	}
	cfg := store.SyncConfig{URL: strings.TrimSpace(ss.platURL.Text), Account: strings.TrimSpace(ss.platAccount.Text), Secret: ss.platSecret.Text}
	if cfg.Secret == "" {
		cfg.Secret = old.Secret
	}
	if cfg.URL != "" {
		if _, err := platform.CheckURL(cfg.URL); err != nil {
			s.showError(err)
			return
		}
		if cfg.Account == "" || cfg.Secret == "" {
			s.showError(uiError("settings.platformIncomplete"))
			return
		}
	}
	if err := s.d.Store.SetSyncConfig(s.ctx, s.actor, cfg); err != nil {
		s.showError(err)
		return
	}
	ss.platSecret.SetText("")
	ss.setSecretHint(cfg.Secret != "")
	ss.platMsg.SetText(tr("settings.platformSaved"))
	if r, ok := s.d.Sync.(interface{ Reconfigure() error }); ok {
		go func() {
			err := r.Reconfigure()
			fyne.Do(func() {
				if err != nil {
					ss.platMsg.SetText(userMessage(err))
				}
				ss.recheck()
				ss.finish(err)
			})
		}()
		return
	}
	ss.recheck()
	ss.finish(nil)
}

// ---- backup ----

func (ss *settingsScreen) backupTab() fyne.CanvasObject {
	s := ss.s
	ss.backupDir = widget.NewEntry()
	dir := ss.setting(store.SettingBackupDir)
	if dir == "" {
		dir = filepath.Join(filepath.Dir(s.d.Store.Path()), "backups")
	}
	ss.backupDir.SetText(dir)
	ss.chooseDir = widget.NewButton(tr("settings.chooseFolder"), ss.pickFolder)
	ss.backup = widget.NewButton(tr("settings.backup"), ss.runBackup)
	ss.backup.Importance = widget.HighImportance
	ss.verify = widget.NewButton(tr("settings.verify"), ss.runVerify)
	ss.backupProgress = widget.NewProgressBarInfinite()
	ss.backupProgress.Stop()
	ss.backupProgress.Hide()
	ss.backupResult = wrapLabel("")
	if !s.actor.Role.Can(store.PermSettings) {
		ss.chooseDir.Disable()
		ss.backup.Disable()
		ss.verify.Disable()
	}
	return container.NewVScroll(container.NewVBox(
		widget.NewForm(widget.NewFormItem(tr("settings.backupDir"), container.NewBorder(nil, nil, nil, ss.chooseDir, ss.backupDir))),
		wrapLabel(tr("settings.backupHint")),
		container.NewHBox(ss.backup, ss.verify),
		ss.backupProgress,
		ss.backupResult,
	))
}

func (ss *settingsScreen) pickFolder() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			ss.s.showError(err)
			return
		}
		if u == nil {
			return
		}
		ss.backupDir.SetText(u.Path())
	}, ss.s.w)
	if l, err := storage.ListerForURI(storage.NewFileURI(ss.backupDir.Text)); err == nil {
		d.SetLocation(l)
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

func (ss *settingsScreen) setBackupBusy(on bool) {
	if on {
		ss.backup.Disable()
		ss.verify.Disable()
		ss.backupProgress.Show()
		ss.backupProgress.Start()
		return
	}
	ss.backup.Enable()
	ss.verify.Enable()
	ss.backupProgress.Stop()
	ss.backupProgress.Hide()
}

// runBackup saves the chosen folder (admin only, through the store) and
// writes a verified copy on a goroutine (store.Backup keeps only a copy
// that verifies).
func (ss *settingsScreen) runBackup() {
	s := ss.s
	dir := strings.TrimSpace(ss.backupDir.Text)
	if dir == "" {
		s.showError(uiError("settings.backupNoDir"))
		return
	}
	if dir != ss.setting(store.SettingBackupDir) {
		if err := s.d.Store.SetSetting(s.ctx, s.actor, store.SettingBackupDir, dir); err != nil {
			s.showError(err)
			return
		}
	}
	ss.setBackupBusy(true)
	ss.backupResult.SetText(trf("settings.backupRunning", "Dir", dir))
	db := s.d.Store
	go func() {
		p, err := db.Backup(s.ctx, dir)
		fyne.Do(func() {
			ss.setBackupBusy(false)
			if err != nil {
				ss.backupResult.SetText(userMessage(err))
			} else {
				ss.lastBackup = p
				ss.backupResult.SetText(trf("settings.backupDone", "Path", p))
			}
			ss.finish(err)
		})
	}()
}

// runVerify checks the journal's hash chain on a goroutine.
func (ss *settingsScreen) runVerify() {
	s := ss.s
	ss.setBackupBusy(true)
	ss.backupResult.SetText(tr("settings.verifyRunning"))
	db := s.d.Store
	go func() {
		rep, err := db.Verify(s.ctx, nil)
		fyne.Do(func() {
			ss.setBackupBusy(false)
			switch {
			case err != nil:
				ss.backupResult.SetText(userMessage(err))
			case rep.OK():
				ss.backupResult.SetText(trf("settings.verifyOK", "N", rep.Entries, "Hash", rep.HeadHash))
			default:
				p := rep.Problems[0]
				ss.backupResult.SetText(trf("settings.verifyBad", "N", len(rep.Problems), "First", pick(p.Zh, p.En)))
			}
			ss.finish(err)
		})
	}()
}

// settingsTourTabs are the Settings tabs the screenshot tour shows (the
// general tab is the plain "settings" step).
var settingsTourTabs = []struct {
	name  string
	index int
}{{"printer", 1}, {"devices", 2}, {"platform", 3}, {"backup", 4}}

// tourSettings puts a tab in a state worth a screenshot without opening a
// dialog: a test print to the configured printer, a sample profile in the
// editor, an example platform address (not saved).
func tourSettings(ss *settingsScreen, tab string) {
	switch tab {
	case "printer":
		if strings.TrimSpace(ss.uri.Text) != "" {
			ss.runTestPrint()
		}
	case "devices":
		if len(ss.profileRows) > 0 {
			ss.profiles.Select(0)
		} else {
			ss.profileEdit.SetText(profileTemplate())
		}
	case "backup":
		if ss.s.actor.Role.Can(store.PermSettings) {
			ss.runVerify()
		}
	case "platform":
		if ss.platURL.Text == "" {
			ss.platURL.SetText("https://platform.example.cn")
			ss.platAccount.SetText("gsxp01")
		}
	}
}
