#!/bin/sh
# sink.sh -- one connection of the data sink (TCP $SINK_PORT, default 5001).
# Started by "busybox nc -ll -e" with the socket on stdin/stdout.  Reads
# until the client closes (or half-closes) its side, then appends
#   "BYTES SHA256"
# to /mnt/cfg/data/sink.log (the host reads it: lab_sink_wait in lib.sh) and,
# in case the client is still listening, sends the same line back.
# Streams: nothing is stored, so any size works.
d=/mnt/cfg/data
f=/tmp/sink.$$
mkfifo "$f"
wc -c <"$f" >"$f.n" &
sum=$(tee "$f" | sha256sum)
wait
line="$(cat "$f.n") ${sum%% *}"
rm -f "$f" "$f.n"
# the log first: writing to a closed socket may kill us with SIGPIPE
echo "$line" >>"$d/sink.log"
echo "$line"
