package platform

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Class tells the uploader what to do about a failure.
type Class int

const (
	// Retryable: network errors, 5xx, 429, a cut or garbled reply. Back off
	// and send the same batch again (same keys, so no duplicates).
	Retryable Class = iota
	// Permanent: the platform refused the request as a whole (4xx other than
	// 401/429). Retrying the same bytes will not help; a person must look.
	Permanent
	// Auth: 401. Get a new token once, then treat as Permanent.
	Auth
)

// Error is a failed platform call, with text for the user.
type Error struct {
	Class  Class
	Status int    // HTTP status, 0 for network errors
	Code   string // platform error code, if any
	Zh, En string
	Err    error
	// RetryAfter is the platform's Retry-After, if it sent one.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := e.En
	if e.Status != 0 {
		s += " (HTTP " + strconv.Itoa(e.Status) + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// UserMessage returns one sentence in the user's language.
func (e *Error) UserMessage(lang string) string {
	if lang == "en" {
		return e.En
	}
	return e.Zh
}

// IsRetryable reports whether err is worth retrying later.
func IsRetryable(err error) bool {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Class == Retryable
	}
	// Context cancellation is not a platform failure; anything else unknown
	// (a local I/O error) is retried rather than dropped.
	return !errors.Is(err, context.Canceled)
}

func netErr(err error) error {
	return &Error{Class: Retryable, Zh: "连接平台失败（网络不通或中断），稍后自动重试。", En: "could not reach the platform (network down or cut); will retry", Err: err}
}

// CheckURL refuses a platform URL that would send the secret in clear text:
// https is required except to a loopback address (the simulator, a local
// gateway).
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, &Error{Class: Permanent, Zh: fmt.Sprintf("平台地址 %q 无效，应类似 https://平台域名/。", raw), En: fmt.Sprintf("the platform address %q is not valid; it should look like https://host/", raw), Err: err}
	}
	if u.User != nil {
		return nil, &Error{Class: Permanent, Zh: "平台地址中不能包含账号或密码，请分别填写账号和密钥。", En: "the platform address must not contain a user name or password; enter the account and secret separately"}
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return nil, &Error{Class: Permanent,
			Zh: fmt.Sprintf("平台地址 %s 未加密（http）：为保护账号密钥，只允许 https，本机测试地址（127.0.0.1、localhost）除外。", raw),
			En: fmt.Sprintf("the platform address %s is not encrypted (http): to protect the account secret only https is allowed, except for this computer (127.0.0.1, localhost)", raw)}
	}
	return u, nil
}

// IsLoopback reports whether host names this computer.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Client talks to the platform. It is safe for concurrent use; the token is
// fetched on first use and again after a 401.
type Client struct {
	base    *url.URL
	account string
	secret  string
	// HTTP is the transport; tests may set timeouts. Never logged.
	HTTP *http.Client

	mu    sync.Mutex
	token string
}

// NewClient checks the URL and returns a client. The secret is kept in memory
// only for the token exchange and is never part of an error or log line.
func NewClient(rawURL, account, secret string) (*Client, error) {
	u, err := CheckURL(rawURL)
	if err != nil {
		return nil, err
	}
	if account == "" || secret == "" {
		return nil, &Error{Class: Permanent, Zh: "未设置平台账号或密钥，请先运行 suyuan sync setup。", En: "the platform account or secret is not set; run suyuan sync setup first"}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 60 * time.Second
	return &Client{base: u, account: account, secret: secret, HTTP: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}, nil
}

// Account is the platform account this client uses.
func (c *Client) Account() string { return c.account }

// BaseURL is the platform base URL.
func (c *Client) BaseURL() string { return c.base.String() }

func (c *Client) url(p string) string { return c.base.String() + p }

// Ping is the connectivity probe: a tiny GET that needs no token.
func (c *Client) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(PathPing), nil)
	if err != nil {
		return err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return netErr(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return statusErr(resp, nil)
	}
	return nil
}

// Login exchanges the account and secret for a token.
func (c *Client) Login(ctx context.Context) error {
	body, _ := json.Marshal(AuthRequest{Account: c.account, Secret: c.secret})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(PathAuth), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return netErr(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return netErr(err)
	}
	if resp.StatusCode != http.StatusOK {
		e := statusErr(resp, b)
		if e.Class == Auth {
			// Bad credentials: another 401 after re-login would loop.
			e.Class = Permanent
			e.Zh, e.En = "平台拒绝了账号或密钥，请检查 suyuan sync setup 中的设置。", "the platform refused the account or secret; check the settings of suyuan sync setup"
		}
		return e
	}
	var ar AuthResponse
	if err := json.Unmarshal(b, &ar); err != nil || ar.Token == "" {
		return &Error{Class: Retryable, Zh: "平台登录应答无法识别，稍后重试。", En: "the platform's login reply was not understood; will retry", Err: err}
	}
	c.mu.Lock()
	c.token = ar.Token
	c.mu.Unlock()
	return nil
}

func (c *Client) currentToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	t := c.token
	c.mu.Unlock()
	if t != "" {
		return t, nil
	}
	if err := c.Login(ctx); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, nil
}

// do sends an authenticated request built by mk, logging in again once on 401.
func (c *Client) do(ctx context.Context, mk func(token string) (*http.Request, error)) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		tok, err := c.currentToken(ctx)
		if err != nil {
			return nil, err
		}
		req, err := mk(tok)
		if err != nil {
			return nil, err
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return nil, netErr(err)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return nil, netErr(err)
		}
		if resp.StatusCode == http.StatusOK {
			return b, nil
		}
		e := statusErr(resp, b)
		if e.Class == Auth && attempt == 0 {
			c.mu.Lock()
			c.token = ""
			c.mu.Unlock()
			continue
		}
		if e.Class == Auth {
			e.Class = Permanent
		}
		return nil, e
	}
}

// EncodeBatch gzips the JSON of b: the bytes that go on the wire.
func EncodeBatch(b *Batch) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SendBatch uploads one gzip-encoded batch (see EncodeBatch) and returns the
// platform's receipt, checked against the batch: a reply that is cut, garbled
// or belongs to another batch is a Retryable error, never a receipt.
func (c *Client) SendBatch(ctx context.Context, b *Batch, gz []byte) (*BatchResponse, error) {
	body, err := c.do(ctx, func(tok string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(PathBatches), bytes.NewReader(gz))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("Idempotency-Key", b.BatchKey)
		return req, nil
	})
	if err != nil {
		return nil, err
	}
	resp, err := ParseResponse(bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Class: Retryable, Zh: "平台应答不完整或无法识别，稍后重发（不会重复记录）。", En: "the platform's reply was incomplete or not understood; the batch will be sent again (no duplicates)", Err: err}
	}
	if err := CheckResponse(b, resp); err != nil {
		return nil, &Error{Class: Retryable, Zh: "平台应答与所发批次不符，稍后重发。", En: "the platform's reply does not match the batch sent; will send again", Err: err}
	}
	return resp, nil
}

// ErrNoSiteHead is returned (wrapped) by SiteHead when the platform does
// not offer the head query (an older gateway): the caller then relies on the
// platform's own history_fork check.
var ErrNoSiteHead = errors.New("the platform does not answer the site head query")

// SiteHead asks the platform for the last entry it holds for site.
func (c *Client) SiteHead(ctx context.Context, site string) (*SiteHead, error) {
	body, err := c.do(ctx, func(tok string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(PathSites+url.PathEscape(site)+"/head"), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		return req, nil
	})
	var pe *Error
	if errors.As(err, &pe) && (pe.Status == http.StatusNotFound || pe.Status == http.StatusMethodNotAllowed) && pe.Code != "unknown_site" {
		return nil, fmt.Errorf("%w: %w", ErrNoSiteHead, err)
	}
	if err != nil {
		return nil, err
	}
	var h SiteHead
	if err := json.Unmarshal(body, &h); err != nil || h.SchemaVersion != SchemaVersion || h.Seq < 0 || (h.Seq > 0 && len(h.Hash) != 64) {
		return nil, &Error{Class: Retryable, Zh: "平台的站点进度应答无法识别，稍后重试。", En: "the platform's answer about this site's progress was not understood; will retry", Err: err}
	}
	return &h, nil
}

// AllocateCodes asks the platform for n national codes in advance.
func (c *Client) AllocateCodes(ctx context.Context, n int) (*CodeRange, error) {
	reqBody, _ := json.Marshal(CodeRangeRequest{Count: n})
	body, err := c.do(ctx, func(tok string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(PathCodeRanges), bytes.NewReader(reqBody))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	})
	if err != nil {
		return nil, err
	}
	var cr CodeRange
	if err := json.Unmarshal(body, &cr); err != nil || cr.RangeID == "" || len(cr.Codes) == 0 {
		return nil, &Error{Class: Retryable, Zh: "平台号段应答无法识别。", En: "the platform's code range reply was not understood", Err: err}
	}
	return &cr, nil
}

// UploadPackage posts a signed outbox package (made by sync export on another
// PC) to baseURL and returns the signed receipts file bytes. It needs no
// account: the package's signature is the proof.
func UploadPackage(ctx context.Context, hc *http.Client, baseURL string, pkg io.Reader) ([]byte, error) {
	u, err := CheckURL(baseURL)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String()+PathPackages, pkg)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, netErr(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, netErr(err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusErr(resp, b)
	}
	return b, nil
}

// statusErr classifies a non-200 answer.
func statusErr(resp *http.Response, body []byte) *Error {
	e := &Error{Status: resp.StatusCode}
	var eb ErrorBody
	if json.Unmarshal(body, &eb) == nil && eb.Error.Code != "" {
		e.Code = eb.Error.Code
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && ra > 0 {
		e.RetryAfter = time.Duration(ra) * time.Second
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		e.Class, e.Zh, e.En = Auth, "平台登录已失效，正在重新登录。", "the platform session expired; logging in again"
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Class, e.Zh, e.En = Retryable, "平台繁忙（请求过多），稍后自动重试。", "the platform is busy (too many requests); will retry"
	case resp.StatusCode >= 500:
		e.Class, e.Zh, e.En = Retryable, "平台暂时出错，稍后自动重试。", "the platform had a temporary error; will retry"
	case e.Code == CodeHistoryFork:
		e.Class = Permanent
		e.Zh = "平台拒收了整个批次：本机数据是比平台上更旧的副本（平台已有这些序号的不同记录，可能恢复了旧的备份）。未上传任何数据。请恢复最新的备份，或联系技术支持。" + eb.Error.MessageZh
		e.En = "the platform refused the whole batch: this store is an older copy than what the platform holds (it has different entries under these numbers; an old backup may have been restored). Nothing was uploaded. Restore the newest backup or contact support. " + eb.Error.MessageEn
	default:
		e.Class = Permanent
		e.Zh, e.En = "平台拒绝了请求："+eb.Error.MessageZh, "the platform refused the request: "+eb.Error.MessageEn
		if eb.Error.MessageZh == "" {
			e.Zh, e.En = fmt.Sprintf("平台拒绝了请求（HTTP %d），请联系技术支持。", resp.StatusCode), fmt.Sprintf("the platform refused the request (HTTP %d); contact support", resp.StatusCode)
		}
	}
	return e
}
