#!/bin/sh
# source.sh -- one connection of the data source (TCP $SOURCE_PORT, default
# 5002).  Started by "busybox nc -ll -e" with the socket on stdout.  Sends
# the payload file the host prepared last (lab_source_prepare in lib.sh
# writes data/source-<ns>.bin and .sum = "BYTES SHA256") and closes.  After
# sending, appends "sent RC BYTES SHA256" to data/source.log (RC is cat's
# exit status: non-zero when the client went away early).
d=/mnt/cfg/data
# The newest payload (lab_source_prepare writes a new name each time).
f=$(ls "$d"/source-*.bin 2>/dev/null | sort | tail -n 1)
[ -n "$f" ] || { echo "no payload: run lab_source_prepare" >>"$d/source.log"; exit 1; }
cat "$f"
echo "sent $? $(cat "${f%.bin}.sum")" >>"$d/source.log"
