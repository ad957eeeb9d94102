package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"suyuan/store/rules"
)

// PromiseVersion2025 names the rule whose promise text and 承诺依据 a
// certificate uses (承诺达标合格证管理办法, in force 2026-02-01).
const PromiseVersion2025 = "农业农村部令2025年第4号"

// The three 承诺依据 of the 2025 rule; a certificate cites at least one.
const (
	BasisQualityControl = "质量安全控制符合要求"
	BasisSelfTest       = "自行检测合格"
	BasisLabTest        = "委托检测合格"
)

// CertBases lists the 承诺依据 in the order the certificate prints them.
var CertBases = []string{BasisQualityControl, BasisSelfTest, BasisLabTest}

// legacyBases maps the trial-era wording to the 2025 one (domain.md §5).
var legacyBases = map[string]string{
	"自我承诺":       BasisQualityControl,
	"质量安全内部控制合格": BasisQualityControl,
	"自我检测合格":     BasisSelfTest,
}

// Promise texts printed on the two styles (domain.md §5).
const (
	PromiseTextStyle1 = "我承诺生产销售的食用农产品：未使用禁用农药、兽药及其他化合物；使用的常规农药、兽药残留不超标。"
	PromiseTextStyle2 = "已按规定收取并保存该批次农产品承诺达标合格证或者其他质量安全合格证明；未违规使用保鲜剂、防腐剂、添加剂等。"
)

// CertInput is a 承诺达标合格证 to issue for a lot.
type CertInput struct {
	LotID    int64
	Style    int      // 1 producer, 2 purchaser (收购者)
	Basis    []string // ⊆ CertBases, ≥ 1 (trial-era wording is mapped)
	Quantity float64
	Unit     string    // "" means the lot's unit
	Origin   string    // "" means the lot's base address / division, else the entity's
	Contact  string    // "" means the entity's contact name and phone
	Date     time.Time // zero: today
	// UpstreamCertNo is the supplier's certificate number, required for
	// style 2; "" takes the one recorded when the lot was received.
	UpstreamCertNo string
}

// Certificate is an issued 承诺达标合格证.
type Certificate struct {
	ID             int64
	CertNo         string
	LotID          int64
	LotCode        string
	Style          int
	Basis          []string
	PromiseVersion string
	ProductName    string
	Quantity       float64
	Unit           string
	Origin         string
	Issuer         string
	Contact        string
	Date           time.Time
	UpstreamCertNo string
	Voided         bool
}

// certState refuses a certificate (or a certificate print) for a lot that is
// voided, on hold, or inside its PHI window on day `on`.
func certState(ctx context.Context, q rowQuerier, l lotRow, on time.Time) error {
	if l.Voided {
		return ruleErr(RuleLotVoided, "批次%[1]s已作废，不能开具合格证。", "lot %[1]s was voided; no certificate can be issued for it", l.Code)
	}
	if l.Hold {
		return holdErr(l, "certify")
	}
	return checkLotPHI(ctx, q, l, on, "certify")
}

// certRoom returns how much more of the lot may be certified: its quantity
// less disposals less non-void certificates.
func certRoom(ctx context.Context, q rowQuerier, l lotRow) (float64, Balance, error) {
	b, err := lotBalance(ctx, q, l.ID)
	if err != nil {
		return 0, b, err
	}
	return round3(b.Quantity - b.Disposed - b.Certified), b, nil
}

// CanCertify says, before the user tries, whether a certificate can be issued
// for the lot on day `on`: nil, or the rule's error (voided, on hold, PHI
// window, nothing left to certify).
func (db *DB) CanCertify(ctx context.Context, lotID int64, on time.Time) error {
	l, err := loadLotRow(ctx, db.r, lotID)
	if err != nil {
		return err
	}
	if err := certState(ctx, db.r, l, on); err != nil {
		return err
	}
	room, b, err := certRoom(ctx, db.r, l)
	if err != nil {
		return err
	}
	if room <= 0 {
		return ruleErr(RuleMassBalance, "违反物料平衡规则：批次%[1]s的%[2]s%[3]s已全部开具合格证，不能再开。", "mass-balance rule: all %[2]s %[3]s of lot %[1]s are already covered by certificates", l.Code, fmtQty(b.Quantity-b.Disposed), l.Unit)
	}
	return nil
}

// normalizeBasis maps, dedupes and checks the 承诺依据.
func normalizeBasis(in []string) ([]string, error) {
	set := map[string]bool{}
	for _, b := range in {
		b = strings.TrimSpace(b)
		if m, ok := legacyBases[b]; ok {
			b = m
		}
		ok := false
		for _, c := range CertBases {
			ok = ok || b == c
		}
		if !ok {
			return nil, ruleErr(RuleCertBasis, "“%[1]s”不是承诺依据，请从质量安全控制符合要求、自行检测合格、委托检测合格中选择。", "%[1]q is not a basis of the promise; choose from 质量安全控制符合要求, 自行检测合格, 委托检测合格", b)
		}
		set[b] = true
	}
	var out []string
	for _, c := range CertBases {
		if set[c] {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, ruleErr(RuleCertBasis, "请至少选择一项承诺依据。", "choose at least one basis of the promise")
	}
	return out, nil
}

// lotAndAncestors returns lotID and every lot it was made from (through
// non-void transformations, cycle-safe, depth-limited).
func lotAndAncestors(ctx context.Context, q rowQuerier, lotID int64) ([]int64, error) {
	out := []int64{lotID}
	seen := map[int64]bool{lotID: true}
	frontier := []int64{lotID}
	for depth := 0; len(frontier) > 0 && depth < maxTraceDepth; depth++ {
		var next []int64
		for _, id := range frontier {
			var tid sql.NullInt64
			if err := q.QueryRowContext(ctx, "SELECT transformation_id FROM lots WHERE id = ?", id).Scan(&tid); err != nil {
				return nil, err
			}
			if !tid.Valid {
				continue
			}
			ins, err := transformationInputLots(ctx, q, tid.Int64)
			if err != nil {
				return nil, err
			}
			for _, in := range ins {
				if !seen[in] {
					seen[in] = true
					out = append(out, in)
					next = append(next, in)
				}
			}
		}
		frontier = next
	}
	return out, nil
}

// checkBasisEvidence: 自行检测合格 needs a non-void negative inspection, and
// 委托检测合格 a non-void negative lab inspection, of the lot or of a lot it
// was made from (a box packed from a tested harvest lot is covered by that
// test: the goods are the same).
func checkBasisEvidence(ctx context.Context, q rowQuerier, l lotRow, basis []string) error {
	var need []string
	for _, b := range basis {
		if b == BasisSelfTest || b == BasisLabTest {
			need = append(need, b)
		}
	}
	if len(need) == 0 {
		return nil
	}
	ids, err := lotAndAncestors(ctx, q, l.ID)
	if err != nil {
		return err
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var anyNeg, labNeg int
	if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(kind = 'lab'),0) FROM inspections
		WHERE lot_id IN (`+ph+`) AND voided = 0 AND verdict = 'negative'`, args...).Scan(&anyNeg, &labNeg); err != nil {
		return fmt.Errorf("basis evidence: %w", err)
	}
	for _, b := range need {
		if b == BasisSelfTest && anyNeg == 0 {
			return ruleErr(RuleCertBasis, "违反承诺依据规则：批次%[1]s没有合格（阴性）的检测记录，不能选择“自行检测合格”；请先登记检测结果。", "certificate basis rule: lot %[1]s has no negative test on record, so 自行检测合格 cannot be cited; record the test first", l.Code)
		}
		if b == BasisLabTest && labNeg == 0 {
			return ruleErr(RuleCertBasis, "违反承诺依据规则：批次%[1]s没有合格的委托（实验室）检测记录，不能选择“委托检测合格”；请先登记检测报告。", "certificate basis rule: lot %[1]s has no negative lab test on record, so 委托检测合格 cannot be cited; record the lab report first", l.Code)
		}
	}
	return nil
}

type entityInfo struct {
	Name, Contact, Address, Division string
}

func loadEntity(ctx context.Context, q rowQuerier) (entityInfo, error) {
	var e entityInfo
	var cn, cp string
	err := q.QueryRowContext(ctx, "SELECT name, contact_name, contact_phone, address, division_code FROM entity ORDER BY id LIMIT 1").Scan(&e.Name, &cn, &cp, &e.Address, &e.Division)
	if errors.Is(err, sql.ErrNoRows) {
		return e, errf(CodeInvalid, nil, "尚未登记主体信息，请先在“主体信息”中填写名称和联系方式。", "the producer profile is not set up; enter its name and contact first")
	}
	if err != nil {
		return e, fmt.Errorf("read entity: %w", err)
	}
	e.Contact = strings.TrimSpace(cn + " " + cp)
	return e, nil
}

// lotOrigin is the 产地 printed for a lot: the base of its plot (or of the
// first harvest lot it was made from): address, else division code; "" when
// none is known.
func lotOrigin(ctx context.Context, q rowQuerier, lotID int64) (string, error) {
	ids, err := lotAndAncestors(ctx, q, lotID)
	if err != nil {
		return "", err
	}
	for _, id := range ids {
		var addr, div sql.NullString
		err := q.QueryRowContext(ctx, `SELECT b.address, b.division_code FROM lots l JOIN plots p ON p.id = l.plot_id JOIN bases b ON b.id = p.base_id
			WHERE l.id = ?`, id).Scan(&addr, &div)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return "", err
		}
		if s := strings.TrimSpace(addr.String); s != "" {
			return s, nil
		}
		if s := strings.TrimSpace(div.String); s != "" {
			return s, nil
		}
	}
	return "", nil
}

// IssueCertificate issues a 承诺达标合格证 for (part of) a lot. Refused for a
// lot voided, on hold (RuleLotOnHold) or inside its PHI window (PHI rule);
// for a basis without its record (RuleCertBasis); and for more than the lot
// holds: non-void certificates + this ≤ quantity − disposed (RuleMassBalance).
// Issuer and product name come from the entity and product; the number from
// the site's certificate sequence.
func (db *DB) IssueCertificate(ctx context.Context, actor Actor, in CertInput) (Certificate, error) {
	var out Certificate
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermCertify); err != nil {
			return err
		}
		if in.Style != 1 && in.Style != 2 {
			return errf(CodeInvalid, nil, "合格证样式必须是样式一（生产者）或样式二（收购者）。", "the certificate style must be 1 (producer) or 2 (purchaser)")
		}
		basis, err := normalizeBasis(in.Basis)
		if err != nil {
			return err
		}
		l, err := loadLotRow(ctx, tx.tx, in.LotID)
		if err != nil {
			return err
		}
		day, err := recordDay(tx, in.Date)
		if err != nil {
			return err
		}
		if err := certState(ctx, tx.tx, l, day); err != nil {
			return err
		}
		if u := strings.TrimSpace(in.Unit); u != "" && u != l.Unit {
			return ruleErr(RuleUnitMismatch, "数量单位“%[1]s”与批次%[2]s的单位“%[3]s”不一致，请按批次单位填写。", "the unit %[1]q differs from lot %[2]s's unit %[3]q; enter the quantity in the lot's unit", u, l.Code, l.Unit)
		}
		if err := rules.ValidateQuantity(in.Quantity); err != nil {
			return err
		}
		room, b, err := certRoom(ctx, tx.tx, l)
		if err != nil {
			return err
		}
		if round3(in.Quantity) > room {
			return ruleErr(RuleMassBalance, "违反物料平衡规则：批次%[1]s共%[2]s%[3]s（已处置%[4]s），已开合格证%[5]s，最多还能开%[6]s%[3]s，不能开%[7]s%[3]s。",
				"mass-balance rule: lot %[1]s holds %[2]s %[3]s (disposed %[4]s) and certificates already cover %[5]s, so at most %[6]s %[3]s more can be certified, not %[7]s",
				l.Code, fmtQty(b.Quantity), l.Unit, fmtQty(b.Disposed), fmtQty(b.Certified), fmtQty(room), fmtQty(in.Quantity))
		}
		if err := checkBasisEvidence(ctx, tx.tx, l, basis); err != nil {
			return err
		}
		up := strings.TrimSpace(in.UpstreamCertNo)
		if in.Style == 2 && up == "" {
			_ = tx.QueryRow(ctx, "SELECT upstream_cert_no FROM receipts WHERE lot_id = ? AND voided = 0 ORDER BY id LIMIT 1", l.ID).Scan(&up)
			if up == "" {
				return errf(CodeInvalid, nil, "样式二合格证必须填写所收取的上游合格证编号。", "a style 2 certificate must cite the supplier's certificate number")
			}
		}
		ent, err := loadEntity(ctx, tx.tx)
		if err != nil {
			return err
		}
		var pname, variety string
		if err := tx.QueryRow(ctx, "SELECT name, variety FROM products WHERE id = ?", l.ProductID).Scan(&pname, &variety); err != nil {
			return fmt.Errorf("read product: %w", err)
		}
		if variety != "" && !strings.Contains(pname, variety) {
			pname = pname + "（" + variety + "）"
		}
		origin := strings.TrimSpace(in.Origin)
		if origin == "" {
			if origin, err = lotOrigin(ctx, tx.tx, l.ID); err != nil {
				return err
			}
		}
		if origin == "" {
			origin = ent.Address
		}
		if origin == "" {
			return errf(CodeInvalid, nil, "无法确定产地，请填写产地。", "the origin is unknown; enter it")
		}
		contact := strings.TrimSpace(in.Contact)
		if contact == "" {
			contact = ent.Contact
		}
		if contact == "" {
			return errf(CodeInvalid, nil, "请填写联系方式（或在主体信息中登记联系人电话）。", "enter a contact (or record the contact phone in the producer profile)")
		}
		no, err := tx.nextCertNo(ctx, day)
		if err != nil {
			return err
		}
		bj, _ := json.Marshal(basis)
		res, err := tx.Exec(ctx, `INSERT INTO certificates(cert_no, lot_id, style, basis, promise_version, product_name, quantity, unit, origin, issuer, contact,
			issued_on, upstream_cert_no, jseq) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,0)`,
			no, l.ID, in.Style, string(bj), PromiseVersion2025, pname, round3(in.Quantity), l.Unit, origin, ent.Name, contact, formatDay(day), up)
		if err != nil {
			return fmt.Errorf("insert certificate: %w", err)
		}
		id, _ := res.LastInsertId()
		if _, err := tx.Record(ctx, "certificates", id, "certificates.create", ""); err != nil {
			return err
		}
		out, err = certificateByID(ctx, tx.tx, id)
		return err
	})
	return out, err
}

// VoidCertificate voids a certificate (e.g. printed with a wrong quantity);
// its quantity may then be certified again. The public page of a voided
// number should say 已作废.
func (db *DB) VoidCertificate(ctx context.Context, actor Actor, id int64, reason string) error {
	return db.voidRow(ctx, actor, PermCertify, "certificates", id, reason, nil)
}

const certCols = `c.id, c.cert_no, c.lot_id, l.code, c.style, c.basis, c.promise_version, c.product_name, c.quantity, c.unit, c.origin, c.issuer,
	c.contact, c.issued_on, c.upstream_cert_no, c.voided`

func scanCertificate(sc interface{ Scan(...any) error }) (Certificate, error) {
	var c Certificate
	var basis, day string
	var voided int
	if err := sc.Scan(&c.ID, &c.CertNo, &c.LotID, &c.LotCode, &c.Style, &basis, &c.PromiseVersion, &c.ProductName, &c.Quantity, &c.Unit,
		&c.Origin, &c.Issuer, &c.Contact, &day, &c.UpstreamCertNo, &voided); err != nil {
		return Certificate{}, err
	}
	_ = json.Unmarshal([]byte(basis), &c.Basis)
	c.Date, _ = parseDay(day)
	c.Voided = voided != 0
	return c, nil
}

func certificateByID(ctx context.Context, q rowQuerier, id int64) (Certificate, error) {
	return rowByID(ctx, q, "SELECT "+certCols+" FROM certificates c JOIN lots l ON l.id = c.lot_id WHERE c.id = ?", id, scanCertificate, "合格证", "certificate")
}

// CertificateByID returns one certificate.
func (db *DB) CertificateByID(ctx context.Context, id int64) (Certificate, error) {
	return certificateByID(ctx, db.r, id)
}

// CertificateQuery filters ListCertificates.
type CertificateQuery struct {
	ListQuery
	LotID int64
}

func (q CertificateQuery) where() (string, []any) {
	var extra []string
	var args []any
	if q.LotID != 0 {
		extra, args = append(extra, "c.lot_id = ?"), append(args, q.LotID)
	}
	return q.listWhere("c.voided", []string{"c.cert_no", "l.code", "c.product_name", "c.upstream_cert_no"}, sqlCond{conds: extra, args: args})
}

// ListCertificates returns one page of certificates, newest first.
func (db *DB) ListCertificates(ctx context.Context, q CertificateQuery) ([]Certificate, error) {
	where, args := q.where()
	limit, offset := q.page()
	return queryList(ctx, db, "SELECT "+certCols+" FROM certificates c JOIN lots l ON l.id = c.lot_id"+where+" ORDER BY c.id DESC LIMIT ? OFFSET ?",
		append(args, limit, offset), scanCertificate)
}

// CountCertificates counts what ListCertificates pages through.
func (db *DB) CountCertificates(ctx context.Context, q CertificateQuery) (int, error) {
	where, args := q.where()
	return db.countRows(ctx, "SELECT count(*) FROM certificates c JOIN lots l ON l.id = c.lot_id"+where, args)
}
