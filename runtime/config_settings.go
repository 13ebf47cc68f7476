package baldur

import "reflect"

// Setting is one value set in a section of the configuration.
type Setting struct {
	// Key is its key path as baldur.yaml spells it ("retry.attempts"),
	// the path Explanation.From uses.
	Key string
	// Value is the value written as baldur.yaml and docs/config.md write
	// it: 24h, 0.5, exponential, "" for an empty string.
	Value string
}

// SettingsOf lists the values set in section, a section of Config by value
// (PolicyConfig, BreakerConfig, RetryConfig, ...), in declaration order,
// under key paths that start with prefix when it is not empty. Tools that
// show a resolved policy (baldurgen plan, the admin API) list it with
// this, so they agree with each other and with the file.
func SettingsOf(section any, prefix string) []Setting {
	v := reflect.New(reflect.TypeOf(section)).Elem()
	v.Set(reflect.ValueOf(section))
	return appendSettings(nil, v, prefix)
}

func appendSettings(out []Setting, v reflect.Value, prefix string) []Setting {
	for _, f := range fieldsOf(v.Type()) {
		key := f.key
		if prefix != "" {
			key = prefix + "." + key
		}
		fv := v.FieldByIndex(f.index)
		switch {
		case f.leaf != nil:
			if o := asOpt(fv); o.isSet() {
				out = append(out, Setting{Key: key, Value: formatValue(o.value())})
			}
		case fv.Kind() == reflect.Struct:
			out = appendSettings(out, fv, key)
		}
	}
	return out
}
