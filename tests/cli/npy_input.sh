# .npy input: told from text by its magic bytes, from a file or standard
# input, for -i and -g alike.  Files are written byte by byte with printf;
# expected values are derived by hand.
. tests/cli/lib.sh

# npy FILE HEADER DATA: a version 1.0 file (header length < 256).
npy() {
    n=$(printf '%s' "$2" | wc -c)
    { printf "\\223NUMPY\\001\\000\\$(printf %o "$n")\\000"; printf '%s' "$2"; printf "$3"; } > "$1"
}

# float16 little-endian 0x3c00 = 1, 0xc000 = -2, 0x7bff = 65504, 0x0001 = 2^-24.
npy "$T/h.npy" "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }" '\000\074\000\300\377\173\001\000'
expect_out "0x1p+0 -0x1p+1 0x1.ffcp+15 0x1p-24" sh -c "$B round -f fp64 -i '$T/h.npy' | paste -sd' '"
expect_out "0x1p+0 -0x1p+1 0x1.ffcp+15 0x1p-24" sh -c "$B round -f fp64 < '$T/h.npy' | paste -sd' '"

# float64 big-endian, column-major: [[1, 2], [3, 4]] stored as 1 3 2 4
# (1 = 3ff0..., 2 = 4000..., 3 = 4008..., 4 = 4010...); rows come out as rows.
Z='\000\000\000\000\000\000'
npy "$T/f.npy" "{'descr': '>f8', 'fortran_order': True, 'shape': (2, 2), }" \
    "\\077\\360$Z\\100\\010$Z\\100\\000$Z\\100\\020$Z"
expect_out "0x1p+0 0x1p+1
0x1.8p+1 0x1p+2" sh -c "$B round -f fp64 -i '$T/f.npy' | paste -d' ' - -"

# softmax of two equal logits is 1/2 each; with g = (1, 1), dx = y (g - <y, g>) = 0.
npy "$T/x.npy" "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }" '\000\000\000\000\000\000\000\000'
npy "$T/g.npy" "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" '\000\000\200\077\000\000\200\077'
printf '1 1\n' > "$T/g.txt"
for g in "$T/g.npy" "$T/g.txt"; do
    expect_out "0x1p-1 0x1p-1
0x0p+0 0x0p+0" $B eval -n softmax.shifted -p ref -i "$T/x.npy" -g "$g"
done
printf '0 0\n' > "$T/x.txt"
expect_out "0x1p-1 0x1p-1
0x0p+0 0x0p+0" sh -c "$B eval -n softmax.shifted -p fp32 -g '$T/g.npy' < '$T/x.txt'"
# A scalar is one row of one value: softmax of it is 1.
npy "$T/s.npy" "{'descr': '<f8', 'fortran_order': False, 'shape': (), }" '\000\000\000\000\000\000\000\100'
expect_out "0x1p+0" $B eval -n softmax.shifted -p fp16 -i "$T/s.npy"
exit 0
