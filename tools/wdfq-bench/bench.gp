# SPDX-License-Identifier: GPL-2.0
#
# make bench's picture (scripts/bench.sh runs it). Variables, given with -e:
#   data   plot-KERNEL.dat, lines of wdfq_bench -P without "plot ":
#            iops TARGET ENGINE IODEPTH WRITES_PER_S   (TARGET ideal:
#                                                      ENGINE any)
#            clat TARGET ENGINE IODEPTH PERCENTILE USEC
#   fmt    svg or png
#   out    the file to write
#   title  the picture's title
# Left: writes/s against iodepth; right: the completion latency
# percentiles at the deepest iodepth. wdfq solid, null_blk dashed.

if (fmt eq 'svg') {
	set terminal svg size 1200,500 dynamic font 'sans,12'
} else {
	set terminal pngcairo size 1200,500 font 'sans,10'
}
set output out
set multiplot layout 1,2 title title noenhanced
set grid
set key top left

sel(kind, t, e) = sprintf("< awk '$1 == \"%s\" && $2 == \"%s\" && $3 == \"%s\"' %s", kind, t, e, data)
qmax = 16
selq(t, e) = sprintf("< awk '$1 == \"clat\" && $2 == \"%s\" && $3 == \"%s\" && $4 == %d' %s", t, e, qmax, data)

set title 'async 4 KiB writes, one fio thread'
set xlabel 'iodepth'
set ylabel 'writes/s'
set logscale x 2
set xtics (1, 2, 4, 8, 16)
set xrange [0.8:20]
set yrange [0:*]
plot sel('iops', 'ideal', 'any') using 4:5 with lines lw 1 lc rgb 'gray40' title 'ideal min(iodepth, N) / L', \
     sel('iops', 'wdfq', 'libaio') using 4:5 with linespoints lw 2 lc 1 pt 7 title 'wdfq libaio', \
     sel('iops', 'wdfq', 'io_uring') using 4:5 with linespoints lw 2 lc 2 pt 5 title 'wdfq io\_uring', \
     sel('iops', 'null_blk', 'libaio') using 4:5 with linespoints lw 2 lc 1 dt 2 pt 6 title 'null\_blk libaio', \
     sel('iops', 'null_blk', 'io_uring') using 4:5 with linespoints lw 2 lc 2 dt 2 pt 4 title 'null\_blk io\_uring'

set title sprintf('completion latency at iodepth %d (fio clat percentiles)', qmax)
unset logscale x
set xrange [*:*]
set xtics auto
set xlabel 'percentile'
set ylabel 'clat (us)'
set logscale y
set format y '%g'
set yrange [*:*]
# percentiles on a scale that spreads the tail: x = -log10(1 - p/100)
tail(p) = -log10(1 - p / 100.0)
set xtics ('1' tail(1), '50' tail(50), '90' tail(90), '99' tail(99), '99.9' tail(99.9), '99.99' tail(99.99))
plot selq('wdfq', 'libaio') using (tail($5)):6 with linespoints lw 2 lc 1 pt 7 title 'wdfq libaio', \
     selq('wdfq', 'io_uring') using (tail($5)):6 with linespoints lw 2 lc 2 pt 5 title 'wdfq io\_uring', \
     selq('null_blk', 'libaio') using (tail($5)):6 with linespoints lw 2 lc 1 dt 2 pt 6 title 'null\_blk libaio', \
     selq('null_blk', 'io_uring') using (tail($5)):6 with linespoints lw 2 lc 2 dt 2 pt 4 title 'null\_blk io\_uring'
unset multiplot
