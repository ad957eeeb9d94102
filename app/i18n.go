package app

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"suyuan/assets"
)

// Languages the GUI ships, in menu order. zh-CN is the default.
var Languages = []string{"zh", "en"}

// PrefLanguage and PrefLargeText are the fyne.Preferences keys for the
// user's choices; they persist across restarts per OS user.
const (
	PrefLanguage  = "ui.language"
	PrefLargeText = "ui.largeText"
)

var (
	langMu  sync.Mutex
	curLang = "zh"
	loaded  bool
)

// SetLanguage makes Fyne's lang package answer in l ("zh" or "en").
//
// Fyne's lang has no "use this language" call: it picks the translation
// closest to the OS locale. So both files are registered as usual with
// lang.AddTranslationsFS, and the chosen file is registered once more under
// the OS locale's own tag (and under "en", the bundle's fallback used when
// the OS locale is C/unset). The exact tag then wins the match and every key
// resolves in the chosen language on Linux and Windows alike. Fyne's own
// strings (dialog buttons) are in our files too, so they follow.
func SetLanguage(l string) error {
	if l != "en" {
		l = "zh"
	}
	langMu.Lock()
	defer langMu.Unlock()
	if !loaded {
		if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
			return fmt.Errorf("load translations: %w", err)
		}
		loaded = true
	}
	data, err := assets.Translations.ReadFile("translations/" + l + ".json")
	if err != nil {
		return fmt.Errorf("load %s translations: %w", l, err)
	}
	sys := lang.SystemLocale()
	errs := []error{lang.AddTranslationsForLocale(data, sys)}
	if sys.LanguageString() != "en" {
		errs = append(errs, lang.AddTranslationsForLocale(data, fyne.Locale("en")))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("select %s translations: %w", l, err)
	}
	curLang = l
	return nil
}

// CurrentLanguage returns "zh" or "en".
func CurrentLanguage() string {
	langMu.Lock()
	defer langMu.Unlock()
	return curLang
}

// tr returns the translation of key; data fills {{.Name}} placeholders.
// A key missing from both files shows as the key itself, which the
// translation test catches.
func tr(key string, data ...map[string]any) string {
	if len(data) > 0 {
		return lang.X(key, key, data[0])
	}
	return lang.X(key, key)
}

// trf is tr with alternating name/value pairs: trf("home.lots", "N", 3).
func trf(key string, kv ...any) string {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return tr(key, m)
}

// pick returns zh or en by the current language, for text that comes from
// the store in both languages (role names, rule messages).
func pick(zh, en string) string {
	if CurrentLanguage() == "en" {
		return en
	}
	return zh
}

// userMessage is the sentence a user sees for err: the rule's own message
// when err carries one, else a generic sentence (the detail goes to the log).
func userMessage(err error) string {
	var um interface{ UserMessage(string) string }
	if errors.As(err, &um) {
		if m := strings.TrimSpace(um.UserMessage(CurrentLanguage())); m != "" {
			return sentence(m)
		}
	}
	fyne.LogError("unexpected error", err)
	return tr("error.internal", map[string]any{"Detail": err.Error()})
}

// sentence shows an English message as a sentence in a dialog: capital
// first letter and a full stop. Error texts below the UI follow Go's
// lower-case, unpunctuated style so they can be wrapped; Chinese text is
// left as it is.
func sentence(m string) string {
	r, n := utf8.DecodeRuneInString(m)
	if r >= 'a' && r <= 'z' {
		m = string(unicode.ToUpper(r)) + m[n:]
	}
	last, _ := utf8.DecodeLastRuneInString(m)
	if last < utf8.RuneSelf && !strings.ContainsRune(".!?)", last) {
		m += "."
	}
	return m
}
