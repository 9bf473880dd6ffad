package main

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// bar is one bar of a chart: a series' value in a group.
type bar struct {
	series string
	value  float64
}

// group is one row of a chart.
type group struct {
	label string
	bars  []bar
}

var colors = []string{"#2563eb", "#f97316", "#16a34a", "#9333ea", "#dc2626", "#0891b2"}

// ratioChart draws groups of ratios as horizontal bars on a logarithmic
// axis, with a dashed line at 1x, as an SVG document. It draws what
// web/bench/chart.js draws for the JavaScript suites.
func ratioChart(title, note string, groups []group) string {
	var series []string
	lo, hi := 1.0, 1.0
	for _, g := range groups {
		for _, b := range g.bars {
			if !slices.Contains(series, b.series) {
				series = append(series, b.series)
			}
			lo, hi = math.Min(lo, b.value), math.Max(hi, b.value)
		}
	}
	lo, hi = lo/1.5, hi*1.5
	const labelWidth, plotWidth, valueWidth, barHeight, gap = 230.0, 520.0, 90.0, 14.0, 10.0
	top := 44 + 16*float64((len(series)+2)/3)
	x := func(v float64) float64 { return labelWidth + math.Log(v/lo)/math.Log(hi/lo)*plotWidth }
	var body strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&body, format+"\n", a...) }
	y := top
	for _, g := range groups {
		h := float64(len(g.bars)) * barHeight
		w(`<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`, labelWidth-8, y+h/2+4, html.EscapeString(g.label))
		for _, b := range g.bars {
			color := colors[slices.Index(series, b.series)%len(colors)]
			width := math.Max(1, x(b.value)-labelWidth)
			w(`<rect x="%.0f" y="%.1f" width="%.1f" height="%.0f" fill="%s"><title>%s: %.2fx</title></rect>`,
				labelWidth, y, width, barHeight-2, color, html.EscapeString(b.series), b.value)
			w(`<text x="%.1f" y="%.1f" class="v">%s</text>`, labelWidth+width+4, y+barHeight-4, ratio(b.value))
			y += barHeight
		}
		y += gap
	}
	w(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444" stroke-dasharray="4 3"/>`, x(1), top-4, x(1), y-gap+4)
	height := y + 24
	width := labelWidth + plotWidth + valueWidth
	var svg strings.Builder
	fmt.Fprintf(&svg, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	svg.WriteString("<style>.v{fill:#333;font-size:11px}</style>\n")
	fmt.Fprintf(&svg, `<rect width="%.0f" height="%.0f" fill="#fff"/>`+"\n", width, height)
	fmt.Fprintf(&svg, `<text x="12" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	for i, s := range series {
		lx, ly := 12+float64(i%3)*270, 44+float64(i/3)*16
		fmt.Fprintf(&svg, `<rect x="%.0f" y="%.0f" width="10" height="10" fill="%s"/><text x="%.0f" y="%.0f">%s</text>`+"\n",
			lx, ly-9, colors[i%len(colors)], lx+14, ly, html.EscapeString(s))
	}
	svg.WriteString(body.String())
	fmt.Fprintf(&svg, `<text x="%.0f" y="%.0f" fill="#555">%s</text>`+"\n", labelWidth, height-8, html.EscapeString(note))
	svg.WriteString("</svg>\n")
	return svg.String()
}

func ratio(r float64) string {
	switch {
	case r < 10:
		return fmt.Sprintf("%.2fx", r)
	case r < 100:
		return fmt.Sprintf("%.1fx", r)
	}
	return fmt.Sprintf("%.0fx", r)
}
