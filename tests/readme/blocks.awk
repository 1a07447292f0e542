# SPDX-License-Identifier: GPL-2.0
# Split README.md's code blocks into files, for the tests that run them.
#
#   awk -v dir=DIR -f blocks.awk README.md
#
# A fenced block preceded by a marker line "<!-- readme: KIND [NAME] -->" becomes
# DIR/NN-KIND[-NAME].txt (NN: the block's number in README), its lines without the fence's
# indentation.  KIND says who runs it:
#   guest    tests/guest/t39_readme.sh runs it as a shell script in every guest;
#   example  a real-machine step (boot loader, /etc files, users): t39 runs what it does the
#            way the guest can, per NAME;
#   host     a command of the host (make ...): scripts/lint.sh checks each is one that
#            make check itself runs (tests/readme/host-commands);
#   c        a C program: tests/Makefile builds it, t39 runs it.
# A block without a marker is listed in DIR/untagged ("LINE: first line"), which the lint
# refuses: every command README shows is run by a test.  POSIX awk (the guest has busybox).
/^[ \t]*<!-- readme: / {
	kind = $3
	name = ($4 == "-->") ? "" : $4
	pending = 1
	next
}
/^[ \t]*```/ {
	if (!inblock) {
		inblock = 1
		n++
		match($0, /^[ \t]*/)
		indent = RLENGTH
		if (pending) {
			file = sprintf("%s/%02d-%s%s.txt", dir, n, kind, name == "" ? "" : "-" name)
			printf "" > file
		} else {
			file = ""
			first = 1
		}
		pending = 0
	} else {
		inblock = 0
		if (file != "")
			close(file)
		file = ""
	}
	next
}
inblock {
	line = substr($0, indent + 1)
	if (file != "")
		print line > file
	else if (first) {
		print NR ": " line > (dir "/untagged")
		first = 0
	}
	next
}
/[^ \t]/ { pending = 0 }
