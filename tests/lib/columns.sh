# tests/lib/columns.sh: sourced by tests of sluicectl's listings.
# columns_aligned FILE: fails the test unless FILE is a header row of
# upper-case column names and rows whose cells each start where their
# column's name starts (a blank before, a non-blank there), with no
# trailing blanks: the aligned columns every listing prints.
columns_aligned() {
	local file=$1 bad
	head -n 1 "$file" | grep -Eq '^[A-Z_]+(  +[A-Z_]+)*$' ||
	    fail "no header row in $file: $(head -n 1 "$file")"
	bad=$(awk 'NR == 1 {
		for (i = 1; i <= length($0); i++)
			if (substr($0, i, 1) != " " &&
			    (i == 1 || substr($0, i - 1, 1) == " "))
				start[++n] = i
		next
	}
	/ $/ { print NR ": trailing blank"; next }
	{
		for (k = 2; k <= n; k++)
			if (substr($0, start[k] - 1, 1) != " " ||
			    substr($0, start[k], 1) == " ")
				print NR ": column " k " not at " start[k]
	}' "$file")
	[ -z "$bad" ] || fail "columns not aligned in $file: $bad: $(cat "$file")"
}
