package usb

import "sort"

func sortEndpoints(e []Endpoint) {
	sort.Slice(e, func(a, b int) bool { return e[a].Address < e[b].Address })
}
