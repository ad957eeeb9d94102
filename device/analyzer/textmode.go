package analyzer

// TextModeProfile is the DY-723PC style GB2312 text mode (devices.md §6.2):
// host sends "D2024-05-01D2024-05-31\r\n"; the instrument answers lines
// "R<样本号>,<孔位>,<项目名称>,<abs>,<检测值>,<单位>,<结论>,<日期时间>,<校验码>\r\n"
// and "FINISH\r\n". 校验码 is decided as two hex digits of the 8-bit sum of
// the record bytes from 'R' through the comma before it (docs/analyzers.md).
func TextModeProfile() Profile {
	return Profile{
		Name:              "dy723pc",
		Description:       "Dayuan DY-723PC GB2312 text mode (R lines, FINISH)",
		Model:             "DY-723PC",
		Serial:            SerialParams{Baud: 9600, DataBits: 8, StopBits: 1, Parity: "N"},
		Encoding:          "gb18030",
		Framing:           "line",
		LineEnd:           "\n",
		RecordPrefix:      "R",
		EndMarker:         "FINISH",
		Request:           "D{from}D{to}\r\n",
		RequestDateLayout: "2006-01-02",
		CSV: &CSVMap{Separator: ",", Fields: map[string]int{
			"sample_no": 0, "channel": 1, "item": 2, "sample_delta_a": 3, "value": 4, "unit": 5, "result": 6, "time": 7}},
		Checksum:   "sum8",
		TimeLayout: "2006-01-02 15:04:05",
	}
}

func init() {
	register("dy723pc", func(o Options) (Driver, error) {
		d, err := NewProfileDriver(TextModeProfile(), o)
		if err != nil {
			return nil, err
		}
		d.(*profileDriver).name = "dy723pc"
		return d, nil
	})
}
