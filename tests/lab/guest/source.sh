#!/bin/sh
# source.sh -- one connection of the data source (TCP $SOURCE_PORT, default
# 5002).  Started by "busybox nc -ll -e" with the socket on stdout.  Sends
# the payload file the host prepared (lab_source_prepare in lib.sh writes
# data/source.bin and data/source.sum = "BYTES SHA256") and closes.  After
# sending, appends "sent RC BYTES SHA256" to data/source.log (RC is cat's
# exit status: non-zero when the client went away early).
d=/mnt/cfg/data
[ -f "$d/source.bin" ] || { echo "no payload: run lab_source_prepare" >>"$d/source.log"; exit 1; }
cat "$d/source.bin"
echo "sent $? $(cat "$d/source.sum")" >>"$d/source.log"
