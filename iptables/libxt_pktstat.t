:INPUT,FORWARD,OUTPUT
# rule;expected -S text after "-A CHAIN" ('=' = same as rule);OK|FAIL
# Rules without --name get the lowest free number: the runner starts with
# no pktstat instance, so that is 0.
#
# The 2011 README's usage: a bare period is milliseconds.
-m pktstat --period 100 --samples 20;-m pktstat --period 100ms --samples 20 --name 0;OK
-m pktstat --period 100 --samples 20 --name a;-m pktstat --period 100ms --samples 20 --name a;OK
# Defaults: 100ms, 1024 samples.
-m pktstat;-m pktstat --period 100ms --samples 1024 --name 0;OK
-m pktstat --name d;-m pktstat --period 100ms --samples 1024 --name d;OK
# Units in, canonical (largest exact unit) out.
-m pktstat --period 250us --samples 4096 --name web;=;OK
-m pktstat --period 1000ns --name u;-m pktstat --period 1us --samples 1024 --name u;OK
-m pktstat --period 1001ns --name u;-m pktstat --period 1001ns --samples 1024 --name u;OK
-m pktstat --period 1500us --name u;-m pktstat --period 1500us --samples 1024 --name u;OK
-m pktstat --period 1.5ms --name u;-m pktstat --period 1500us --samples 1024 --name u;OK
-m pktstat --period 1000ms --name u;-m pktstat --period 1s --samples 1024 --name u;OK
-m pktstat --period 60000 --name u;-m pktstat --period 60s --samples 1024 --name u;OK
-m pktstat --period 0.25s --name u;-m pktstat --period 250ms --samples 1024 --name u;OK
-m pktstat --period 2s --samples 8 --name u;=;OK
# Period limits: 1us .. 3600s.
-m pktstat --period 1us --samples 2 --name min;=;OK
-m pktstat --period 0.001 --name min;-m pktstat --period 1us --samples 1024 --name min;OK
-m pktstat --period 3600s --samples 65536 --name max;=;OK
-m pktstat --period 3600000000000ns --name max;-m pktstat --period 3600s --samples 1024 --name max;OK
-m pktstat --period 999ns;;FAIL
-m pktstat --period 0.999us;;FAIL
-m pktstat --period 3600000000001ns;;FAIL
-m pktstat --period 3600.000000001s;;FAIL
-m pktstat --period 3601s;;FAIL
-m pktstat --period 0;;FAIL
-m pktstat --period 0ns;;FAIL
-m pktstat --period 99999999999999999999s;;FAIL
-m pktstat --period 18446744073709551616ns;;FAIL
# Malformed periods.
-m pktstat --period -1;;FAIL
-m pktstat --period +1ms;;FAIL
-m pktstat --period "";;FAIL
-m pktstat --period 1.5ns;;FAIL
-m pktstat --period .5ms;;FAIL
-m pktstat --period 1x;;FAIL
-m pktstat --period 1MS;;FAIL
-m pktstat --period 1ms2;;FAIL
-m pktstat --period "1 ms";;FAIL
-m pktstat --period;;FAIL
-m pktstat --period 1ms --period 2ms;;FAIL
# Samples limits: 2 .. 65536.
-m pktstat --samples 2 --name s;-m pktstat --period 100ms --samples 2 --name s;OK
-m pktstat --samples 65536 --name s;-m pktstat --period 100ms --samples 65536 --name s;OK
-m pktstat --samples 020 --name s;-m pktstat --period 100ms --samples 20 --name s;OK
-m pktstat --samples 1;;FAIL
-m pktstat --samples 0;;FAIL
-m pktstat --samples 65537;;FAIL
-m pktstat --samples 4294967298;;FAIL
-m pktstat --samples -2;;FAIL
-m pktstat --samples 2k;;FAIL
-m pktstat --samples 0x10;;FAIL
-m pktstat --samples "";;FAIL
-m pktstat --samples;;FAIL
-m pktstat --samples 10 --samples 20;;FAIL
# Names: 1..31 of [A-Za-z0-9_.-], no leading '.'.
-m pktstat --name A.b-c_9;-m pktstat --period 100ms --samples 1024 --name A.b-c_9;OK
-m pktstat --name a.;-m pktstat --period 100ms --samples 1024 --name a.;OK
-m pktstat --name 7;-m pktstat --period 100ms --samples 1024 --name 7;OK
-m pktstat --name nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn;-m pktstat --period 100ms --samples 1024 --name nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn;OK
-m pktstat --name nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn;;FAIL
-m pktstat --name "";;FAIL
-m pktstat --name .a;;FAIL
-m pktstat --name .;;FAIL
-m pktstat --name ..;;FAIL
-m pktstat --name a/b;;FAIL
-m pktstat --name ../x;;FAIL
-m pktstat --name "a b";;FAIL
-m pktstat --name a:b;;FAIL
-m pktstat --name;;FAIL
-m pktstat --name a --name b;;FAIL
# No option can be inverted.
-m pktstat ! --period 1ms;;FAIL
-m pktstat ! --samples 20;;FAIL
-m pktstat ! --name x;;FAIL
# Option order does not matter; other matches before it.
-m pktstat --name o --samples 8 --period 5ms;-m pktstat --period 5ms --samples 8 --name o;OK
-p udp -m udp --dport 5000 -m pktstat --name u5000;-p udp -m udp --dport 5000 -m pktstat --period 100ms --samples 1024 --name u5000;OK
# Two unnamed instances in one rule get 0 and 1.
-m pktstat -m pktstat --period 1ms;-m pktstat --period 100ms --samples 1024 --name 0 -m pktstat --period 1ms --samples 1024 --name 1;OK
