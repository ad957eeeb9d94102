package app

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"suyuan/store"
	"suyuan/store/rules"
)

// siteScreen is Site setup: 主体 profile, certifications, bases and plots,
// products, input materials (with the banned list) and users. Tabs the
// user's role may not edit are left out.
type siteScreen struct {
	tabs *container.AppTabs

	profile     *profileForm
	saveProfile *widget.Button

	certKind                          *widget.Select
	certNo, certProd, certIssuer      *widget.Entry
	certFrom, certTo                  *widget.Entry
	addCert                           *widget.Button
	certs                             *pagedTable[store.Certification]
	baseName, baseAddr, baseDiv       *widget.Entry
	baseArea, baseManager, basePhone  *widget.Entry
	addBase                           *widget.Button
	bases                             *pagedTable[store.Base]
	plotBase                          *idSelect
	plotName, plotArea, plotCrop      *widget.Entry
	plotCat                           *widget.Select
	addPlot                           *widget.Button
	plots                             *pagedTable[store.Plot]
	prodName, prodVariety, prodCrop   *widget.Entry
	prodUnit, prodSpec, prodCode      *widget.Entry
	prodCat                           *widget.Select
	prodCert                          *idSelect
	addProd                           *widget.Button
	products                          *pagedTable[store.Product]
	matKind                           *widget.Select
	matName, matReg, matIngr, matForm *widget.Entry
	matMaker, matPHI                  *widget.Entry
	matTox                            *widget.Select
	addMat                            *widget.Button
	materials                         *pagedTable[store.Material]
	banned                            *widget.Table
	bannedRules                       []rules.PesticideRule
	userName, userDisplay, userPass   *widget.Entry
	userRole                          *widget.Select
	addUser                           *widget.Button
	users                             *widget.List
	userRows                          []store.User
}

var materialKinds = []string{store.MaterialPesticide, store.MaterialFertilizer, store.MaterialOther}
var certKinds = []string{store.CertGreen, store.CertOrganic, store.CertGI, store.CertPollutionFree}

func buildSite(s *Shell) (fyne.CanvasObject, any) {
	ss := &siteScreen{tabs: container.NewAppTabs()}
	r := s.actor.Role
	if r.Can(store.PermSite) {
		ss.tabs.Append(container.NewTabItem(tr("site.profile"), ss.buildProfile(s)))
		ss.tabs.Append(container.NewTabItem(tr("site.certs"), ss.buildCerts(s)))
		ss.tabs.Append(container.NewTabItem(tr("site.bases"), ss.buildBases(s)))
		ss.tabs.Append(container.NewTabItem(tr("site.products"), ss.buildProducts(s)))
		ss.tabs.Append(container.NewTabItem(tr("site.materials"), ss.buildMaterials(s)))
	}
	if r.Can(store.PermUsers) {
		ss.tabs.Append(container.NewTabItem(tr("site.users"), ss.buildUsers(s)))
	}
	return ss.tabs, ss
}

func (ss *siteScreen) buildProfile(s *Shell) fyne.CanvasObject {
	ss.profile = newProfileForm()
	if e, err := s.d.Store.GetEntity(s.ctx); err == nil {
		ss.profile.load(e)
	}
	ss.saveProfile = widget.NewButton(tr("common.save"), func() {
		e, err := ss.profile.value()
		if err == nil {
			e, err = s.d.Store.SaveEntity(s.ctx, s.actor, e)
		}
		if err != nil {
			s.showError(err)
			return
		}
		ss.profile.load(e)
		s.showInfo(tr("site.profile"), tr("common.saved"))
	})
	return formPane(tr("site.profile"), ss.profile.form, ss.saveProfile)
}

func (ss *siteScreen) buildCerts(s *Shell) fyne.CanvasObject {
	ss.certKind = newSelect(transAll("cert.", certKinds), nil)
	ss.certKind.SetSelectedIndex(0)
	ss.certNo, ss.certProd, ss.certIssuer = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	ss.certFrom, ss.certTo = s.dateEntry(), widget.NewEntry()
	ss.certNo.SetPlaceHolder("LB-15-19012700330A")
	f := widget.NewForm(
		widget.NewFormItem(tr("cert.kind"), ss.certKind),
		widget.NewFormItem(tr("cert.number"), ss.certNo),
		widget.NewFormItem(tr("cert.product"), ss.certProd),
		widget.NewFormItem(tr("cert.issuer"), ss.certIssuer),
		widget.NewFormItem(tr("cert.from"), ss.certFrom),
		widget.NewFormItem(tr("cert.to"), ss.certTo),
	)
	ss.certs = newPagedTable(s.ctx, []column[store.Certification]{
		{"cert.kind", 110, func(c store.Certification) string { return tr("cert." + c.Kind) }},
		{"cert.number", 200, func(c store.Certification) string { return c.Number }},
		{"cert.product", 160, func(c store.Certification) string { return c.ProductName }},
		{"cert.to", 110, func(c store.Certification) string { return day(c.ValidTo) }},
		{"common.voided", 70, func(c store.Certification) string { return yesNo(c.Voided) }},
	}, s.d.Store.CountCertifications, s.d.Store.ListCertifications, s.showError)
	ss.certs.query.IncludeVoided = true
	ss.certs.Reload()
	ss.addCert = widget.NewButton(tr("common.add"), func() {
		from, err := parseDate(ss.certFrom)
		if err != nil {
			s.showError(err)
			return
		}
		to, err := parseDate(ss.certTo)
		if err != nil {
			s.showError(err)
			return
		}
		_, err = s.d.Store.AddCertification(s.ctx, s.actor, store.Certification{Kind: at(certKinds, ss.certKind.SelectedIndex()),
			Number: ss.certNo.Text, ProductName: ss.certProd.Text, Issuer: ss.certIssuer.Text, ValidFrom: from, ValidTo: to})
		if err != nil {
			s.showError(err)
			return
		}
		ss.certNo.SetText("")
		ss.certs.Reload()
	})
	ss.certs.onSelect = func(c store.Certification) {
		s.showRecord("certifications", c.ID, tr("cert."+c.Kind)+" "+c.Number, c.Voided, []correctField{
			{"number", "cert.number", c.Number, false}, {"product_name", "cert.product", c.ProductName, false},
			{"issuer", "cert.issuer", c.Issuer, false}, {"valid_from", "cert.from", day(c.ValidFrom), false},
			{"valid_to", "cert.to", day(c.ValidTo), false},
		}, ss.certs.Reload, recordOpts{attach: true})
	}
	return splitPane(formPane(tr("site.certs"), f, ss.addCert), ss.certs.Object())
}

func (ss *siteScreen) buildBases(s *Shell) fyne.CanvasObject {
	for _, e := range []**widget.Entry{&ss.baseName, &ss.baseAddr, &ss.baseDiv, &ss.baseArea, &ss.baseManager, &ss.basePhone, &ss.plotName, &ss.plotArea, &ss.plotCrop} {
		*e = widget.NewEntry()
	}
	if e, err := s.d.Store.GetEntity(s.ctx); err == nil {
		ss.baseDiv.SetText(e.DivisionCode)
	}
	bf := widget.NewForm(
		widget.NewFormItem(tr("base.name"), ss.baseName),
		widget.NewFormItem(tr("base.address"), ss.baseAddr),
		widget.NewFormItem(tr("profile.division"), ss.baseDiv),
		widget.NewFormItem(tr("common.areaMu"), ss.baseArea),
		widget.NewFormItem(tr("base.manager"), ss.baseManager),
		widget.NewFormItem(tr("profile.phone"), ss.basePhone),
	)
	ss.bases = newPagedTable(s.ctx, []column[store.Base]{
		{"base.name", 180, func(b store.Base) string { return b.Name }},
		{"base.address", 200, func(b store.Base) string { return b.Address }},
		{"common.areaMu", 100, func(b store.Base) string { return fmtFloat(b.AreaMu) }},
		{"lot.state", 80, func(b store.Base) string { return retiredText(b.Retired) }},
	}, s.d.Store.CountBases, s.d.Store.ListBases, s.showError)
	ss.bases.query.IncludeVoided = true // retired ones too, marked
	ss.plotBase = newIDSelect(nil)
	ss.plotCat = newSelect(rules.CropCategories, nil)
	pf := widget.NewForm(
		widget.NewFormItem(tr("plot.base"), ss.plotBase),
		widget.NewFormItem(tr("plot.name"), ss.plotName),
		widget.NewFormItem(tr("common.areaMu"), ss.plotArea),
		widget.NewFormItem(tr("common.crop"), ss.plotCrop),
		widget.NewFormItem(tr("common.cropCategory"), ss.plotCat),
	)
	listPlots := func(ctx context.Context, q store.ListQuery) ([]store.Plot, error) {
		return s.d.Store.ListPlots(ctx, q, 0)
	}
	countPlots := func(ctx context.Context, q store.ListQuery) (int, error) { return s.d.Store.CountPlots(ctx, q, 0) }
	ss.plots = newPagedTable(s.ctx, []column[store.Plot]{
		{"plot.base", 150, func(p store.Plot) string { return p.BaseName }},
		{"plot.name", 150, func(p store.Plot) string { return p.Name }},
		{"common.crop", 100, func(p store.Plot) string { return p.Crop }},
		{"common.cropCategory", 120, func(p store.Plot) string { return p.CropCategory }},
		{"common.areaMu", 100, func(p store.Plot) string { return fmtFloat(p.AreaMu) }},
		{"lot.state", 80, func(p store.Plot) string { return retiredText(p.Retired) }},
	}, countPlots, listPlots, s.showError)
	ss.plots.query.IncludeVoided = true
	loadBases := func() {
		bs := allRows(s, func(q store.ListQuery) ([]store.Base, error) { return s.d.Store.ListBases(s.ctx, q) })
		labels, ids := make([]string, len(bs)), make([]int64, len(bs))
		for i, b := range bs {
			labels[i], ids[i] = b.Name, b.ID
		}
		ss.plotBase.setOptions(labels, ids)
		if len(ids) == 1 {
			ss.plotBase.SetSelectedIndex(0)
		}
	}
	loadBases()
	ss.bases.Reload()
	ss.plots.Reload()
	ss.bases.onSelect = func(b store.Base) {
		s.showRecord("bases", b.ID, b.Name, false, []correctField{
			{"name", "base.name", b.Name, false}, {"address", "base.address", b.Address, false},
			{"division_code", "profile.division", b.DivisionCode, false}, {"area_mu", "common.areaMu", fmtFloat(b.AreaMu), true},
			{"manager", "base.manager", b.Manager, false}, {"phone", "profile.phone", b.Phone, false},
		}, func() { ss.bases.Reload(); ss.plots.Reload(); loadBases() }, recordOpts{attach: true, retire: true, retired: b.Retired})
	}
	ss.plots.onSelect = func(p store.Plot) {
		s.showRecord("plots", p.ID, p.BaseName+" / "+p.Name, false, []correctField{
			{"name", "plot.name", p.Name, false}, {"area_mu", "common.areaMu", fmtFloat(p.AreaMu), true},
			{"crop", "common.crop", p.Crop, false}, {"crop_category", "common.cropCategory", p.CropCategory, false},
		}, ss.plots.Reload, recordOpts{attach: true, retire: true, retired: p.Retired})
	}
	ss.addBase = widget.NewButton(tr("common.add"), func() {
		area, err := parseFloat(ss.baseArea.Text, "common.areaMu")
		if err != nil {
			s.showError(err)
			return
		}
		_, err = s.d.Store.AddBase(s.ctx, s.actor, store.Base{Name: ss.baseName.Text, Address: ss.baseAddr.Text, DivisionCode: ss.baseDiv.Text,
			AreaMu: area, Manager: ss.baseManager.Text, Phone: ss.basePhone.Text})
		if err != nil {
			s.showError(err)
			return
		}
		ss.baseName.SetText("")
		ss.bases.Reload()
		loadBases()
	})
	ss.addPlot = widget.NewButton(tr("common.add"), func() {
		area, err := parseFloat(ss.plotArea.Text, "common.areaMu")
		if err != nil {
			s.showError(err)
			return
		}
		_, err = s.d.Store.AddPlot(s.ctx, s.actor, store.Plot{BaseID: ss.plotBase.ID(), Name: ss.plotName.Text, AreaMu: area,
			Crop: ss.plotCrop.Text, CropCategory: ss.plotCat.Selected})
		if err != nil {
			s.showError(err)
			return
		}
		ss.plotName.SetText("")
		ss.plots.Reload()
	})
	left := container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle(tr("site.addBase"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), bf, highlight(ss.addBase),
		widget.NewSeparator(),
		widget.NewLabelWithStyle(tr("site.addPlot"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), pf, highlight(ss.addPlot)))
	right := container.NewVSplit(ss.bases.Object(), ss.plots.Object())
	return splitPane(left, right)
}

func highlight(b *widget.Button) *widget.Button {
	b.Importance = widget.HighImportance
	return b
}

func (ss *siteScreen) buildProducts(s *Shell) fyne.CanvasObject {
	for _, e := range []**widget.Entry{&ss.prodName, &ss.prodVariety, &ss.prodCrop, &ss.prodUnit, &ss.prodSpec, &ss.prodCode} {
		*e = widget.NewEntry()
	}
	ss.prodUnit.SetText("kg")
	ss.prodCat = newSelect(rules.CropCategories, nil)
	ss.prodCert = newIDSelect(nil)
	certs := allRows(s, func(q store.ListQuery) ([]store.Certification, error) { return s.d.Store.ListCertifications(s.ctx, q) })
	labels, ids := []string{tr("common.none")}, []int64{0}
	for _, c := range certs {
		labels, ids = append(labels, tr("cert."+c.Kind)+" "+c.Number), append(ids, c.ID)
	}
	ss.prodCert.setOptions(labels, ids)
	ss.prodCert.SetSelectedIndex(0)
	f := widget.NewForm(
		widget.NewFormItem(tr("product.name"), ss.prodName),
		widget.NewFormItem(tr("product.variety"), ss.prodVariety),
		widget.NewFormItem(tr("common.crop"), ss.prodCrop),
		widget.NewFormItem(tr("common.cropCategory"), ss.prodCat),
		widget.NewFormItem(tr("common.unit"), ss.prodUnit),
		widget.NewFormItem(tr("product.spec"), ss.prodSpec),
		widget.NewFormItem(tr("product.code"), ss.prodCode),
		widget.NewFormItem(tr("product.cert"), ss.prodCert),
	)
	ss.products = newPagedTable(s.ctx, []column[store.Product]{
		{"product.name", 150, func(p store.Product) string { return p.Name }},
		{"product.variety", 100, func(p store.Product) string { return p.Variety }},
		{"common.crop", 90, func(p store.Product) string { return p.Crop }},
		{"common.cropCategory", 120, func(p store.Product) string { return p.CropCategory }},
		{"common.unit", 60, func(p store.Product) string { return p.Unit }},
		{"lot.state", 80, func(p store.Product) string { return retiredText(p.Retired) }},
	}, s.d.Store.CountProducts, s.d.Store.ListProducts, s.showError)
	ss.products.query.IncludeVoided = true
	ss.products.Reload()
	ss.products.onSelect = func(p store.Product) {
		s.showRecord("products", p.ID, strings.TrimSpace(p.Name+" "+p.Variety), false, []correctField{
			{"name", "product.name", p.Name, false}, {"variety", "product.variety", p.Variety, false},
			{"crop", "common.crop", p.Crop, false}, {"crop_category", "common.cropCategory", p.CropCategory, false},
			{"unit", "common.unit", p.Unit, false}, {"spec", "product.spec", p.Spec, false},
			{"platform_product_code", "product.code", p.PlatformProductCode, false},
		}, ss.products.Reload, recordOpts{retire: true, retired: p.Retired})
	}
	ss.addProd = widget.NewButton(tr("common.add"), func() {
		_, err := s.d.Store.AddProduct(s.ctx, s.actor, store.Product{Name: ss.prodName.Text, Variety: ss.prodVariety.Text, Crop: ss.prodCrop.Text,
			CropCategory: ss.prodCat.Selected, Unit: ss.prodUnit.Text, Spec: ss.prodSpec.Text, PlatformProductCode: ss.prodCode.Text,
			CertificationID: ss.prodCert.ID()})
		if err != nil {
			s.showError(err)
			return
		}
		ss.prodName.SetText("")
		ss.products.Reload()
	})
	return splitPane(formPane(tr("site.addProduct"), f, ss.addProd), ss.products.Object())
}

func (ss *siteScreen) buildMaterials(s *Shell) fyne.CanvasObject {
	for _, e := range []**widget.Entry{&ss.matName, &ss.matReg, &ss.matIngr, &ss.matForm, &ss.matMaker, &ss.matPHI} {
		*e = widget.NewEntry()
	}
	ss.matKind = newSelect(transAll("material.", materialKinds), nil)
	ss.matKind.SetSelectedIndex(0)
	ss.matTox = newSelect(append([]string{""}, rules.ToxicityLevels...), nil)
	ss.matReg.SetPlaceHolder("PD20080001")
	ss.matIngr.SetPlaceHolder(tr("material.ingredientsHint"))
	f := widget.NewForm(
		widget.NewFormItem(tr("material.kind"), ss.matKind),
		widget.NewFormItem(tr("material.name"), ss.matName),
		widget.NewFormItem(tr("material.regNo"), ss.matReg),
		widget.NewFormItem(tr("material.ingredients"), ss.matIngr),
		widget.NewFormItem(tr("material.toxicity"), ss.matTox),
		widget.NewFormItem(tr("material.formulation"), ss.matForm),
		widget.NewFormItem(tr("material.maker"), ss.matMaker),
		widget.NewFormItem(tr("material.phi"), ss.matPHI),
	)
	ss.materials = newPagedTable(s.ctx, []column[store.Material]{
		{"material.kind", 90, func(m store.Material) string { return tr("material." + m.Kind) }},
		{"material.name", 150, func(m store.Material) string { return m.Name }},
		{"material.regNo", 140, func(m store.Material) string { return m.RegNo }},
		{"material.ingredients", 140, func(m store.Material) string { return strings.Join(m.ActiveIngredients, "、") }},
		{"material.phi", 70, func(m store.Material) string {
			if m.PHIDays == nil {
				return ""
			}
			return trf("common.days", "N", *m.PHIDays)
		}},
		{"lot.state", 80, func(m store.Material) string { return retiredText(m.Retired) }},
	}, func(ctx context.Context, q store.ListQuery) (int, error) { return s.d.Store.CountMaterials(ctx, q, "") },
		func(ctx context.Context, q store.ListQuery) ([]store.Material, error) {
			return s.d.Store.ListMaterials(ctx, q, "")
		}, s.showError)
	ss.materials.query.IncludeVoided = true
	ss.materials.Reload()
	ss.materials.onSelect = func(m store.Material) {
		phi := ""
		if m.PHIDays != nil {
			phi = strconv.Itoa(*m.PHIDays)
		}
		s.showRecord("materials", m.ID, m.Name, false, []correctField{
			{"name", "material.name", m.Name, false}, {"reg_no", "material.regNo", m.RegNo, false},
			{"toxicity", "material.toxicity", m.Toxicity, false}, {"formulation", "material.formulation", m.Formulation, false},
			{"manufacturer", "material.maker", m.Manufacturer, false}, {"phi_days", "material.phi", phi, true},
		}, ss.materials.Reload, recordOpts{retire: true, retired: m.Retired})
	}
	ss.addMat = widget.NewButton(tr("common.add"), func() {
		phi, err := parseIntPtr(ss.matPHI.Text, "material.phi")
		if err != nil {
			s.showError(err)
			return
		}
		_, err = s.d.Store.AddMaterial(s.ctx, s.actor, store.Material{Kind: at(materialKinds, ss.matKind.SelectedIndex()), Name: ss.matName.Text,
			RegNo: ss.matReg.Text, ActiveIngredients: splitList(ss.matIngr.Text), Toxicity: ss.matTox.Selected,
			Formulation: ss.matForm.Text, Manufacturer: ss.matMaker.Text, PHIDays: phi})
		if err != nil {
			s.showError(err)
			return
		}
		ss.matName.SetText("")
		ss.materials.Reload()
	})
	// The banned list in force, always visible beside the materials so
	// nobody registers a product without seeing it.
	ss.bannedRules, _ = s.d.Store.BannedList(s.ctx)
	ss.banned = widget.NewTableWithHeaders(func() (int, int) { return len(ss.bannedRules), 3 },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			r := ss.bannedRules[id.Row]
			txt := ""
			switch id.Col {
			case 0:
				txt = r.Ingredient
			case 1:
				if r.Kind == rules.KindBanned {
					txt = tr("banned.all")
				} else {
					txt = tr("banned.crops") + strings.Join(r.Crops, "、")
				}
			case 2:
				txt = r.Notice
			}
			o.(*widget.Label).SetText(txt)
		})
	ss.banned.ShowHeaderColumn = false
	ss.banned.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	ss.banned.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(tr([]string{"banned.ingredient", "banned.scope", "banned.notice"}[id.Col]))
		}
	}
	ss.banned.SetColumnWidth(0, 140)
	ss.banned.SetColumnWidth(1, 220)
	ss.banned.SetColumnWidth(2, 260)
	bannedPane := container.NewBorder(widget.NewLabelWithStyle(trf("banned.title", "N", len(ss.bannedRules)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, ss.banned)
	return splitPane(formPane(tr("site.addMaterial"), f, ss.addMat), container.NewVSplit(ss.materials.Object(), bannedPane))
}

func (ss *siteScreen) buildUsers(s *Shell) fyne.CanvasObject {
	ss.userName, ss.userDisplay, ss.userPass = widget.NewEntry(), widget.NewEntry(), widget.NewPasswordEntry()
	ss.userRole = newSelect(roleNames(), nil)
	ss.userRole.SetSelectedIndex(1)
	f := widget.NewForm(
		widget.NewFormItem(tr("user.username"), ss.userName),
		widget.NewFormItem(tr("user.displayName"), ss.userDisplay),
		widget.NewFormItem(tr("user.role"), ss.userRole),
		widget.NewFormItem(tr("login.password"), ss.userPass),
	)
	reload := func() {
		us, err := s.d.Store.Users(s.ctx)
		if err != nil {
			s.showError(err)
		}
		ss.userRows = us
		ss.users.Refresh()
	}
	ss.users = widget.NewList(func() int { return len(ss.userRows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			u := ss.userRows[i]
			t := u.Username + "  " + u.DisplayName + "  · " + store.RoleName(u.Role, CurrentLanguage())
			if u.Disabled {
				t += "  (" + tr("user.disabled") + ")"
			}
			o.(*widget.Label).SetText(t)
		})
	ss.users.OnSelected = func(i widget.ListItemID) {
		u := ss.userRows[i]
		ss.users.UnselectAll()
		if u.ID == s.actor.UserID {
			return
		}
		reason := widget.NewEntry()
		title := tr("user.disable")
		if u.Disabled {
			title = tr("user.enable")
		}
		dialog.ShowForm(title+": "+u.Username, tr("OK"), tr("Cancel"),
			[]*widget.FormItem{widget.NewFormItem(tr("common.reason"), reason)}, func(ok bool) {
				if !ok {
					return
				}
				if err := s.d.Store.SetUserDisabled(s.ctx, s.actor, u.ID, !u.Disabled, reason.Text); err != nil {
					s.showError(err)
				}
				reload()
			}, s.w)
	}
	ss.addUser = widget.NewButton(tr("common.add"), func() {
		_, err := s.d.Store.CreateUser(s.ctx, s.actor, store.NewUser{Username: strings.TrimSpace(ss.userName.Text),
			DisplayName: strings.TrimSpace(ss.userDisplay.Text), Role: roleByName(ss.userRole.Selected), Password: ss.userPass.Text})
		if err != nil {
			s.showError(err)
			return
		}
		ss.userName.SetText("")
		ss.userPass.SetText("")
		reload()
	})
	reload()
	return splitPane(formPane(tr("site.addUser"), f, ss.addUser, wrapLabel(tr("user.hint"))), ss.users)
}

// retiredText marks a retired (停用) master record in a list.
func retiredText(retired bool) string {
	if retired {
		return tr("common.retired")
	}
	return ""
}
