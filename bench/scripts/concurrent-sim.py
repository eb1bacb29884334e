#!/usr/bin/env python3
"""Discrete-event model of `bin/vessels reproduce concurrent`'s vessels-s configuration: 16
closed-loop clients cycling through the nine models (client i starts at model i mod 9), strict FIFO,
2 running slots, the EPC-aware launch rule (committed + need <= bound, idle enclaves destroyed least
recently used first), emulated builds at 8 ms per MiB spent in the slot. It is what decided the solo
rule (docs/serving.md): it prints requests in 5 minutes, the share of slot time left idle while
requests waited, builds, and where that idle time went.

Inputs, measured this session (2026-11-26): EPC needs from `bin/vessels serve --models <the nine>`
(MiB, 1 thread; a 2-thread executor adds 1.14 MiB of kernel scratch) and one-thread latencies from
bench/run-side-by-side.sh (vessels executor, rounded; YOLOv3 1.5 s). Its calibration: with enclaves
tied to their model it predicts about what session 3's scheduler processed in the quiet 5-minute
run (824). Run: python3 bench/scripts/concurrent-sim.py
"""
import collections
import heapq

NAMES = ["alexnet", "vgg16", "resnet101", "resnet152", "resnext152", "densenet201", "darknet53", "inceptionv3", "yolov3"]
NEED = dict(zip(NAMES, [8.1, 29.8, 14.2, 14.2, 22.3, 13.1, 17.2, 13.1, 72.9]))
SVC = dict(zip(NAMES, [0.072, 0.395, 0.217, 0.307, 0.314, 0.150, 0.400, 0.140, 1.500]))
BOUND, BUILD_S_PER_MIB, SCRATCH_MIB = 93.5, 0.008, 1.14


def run(shared, solo=(), speedup=1.7, sizing=False, seconds=300.0, clients=16, slots=2):
    threads = lambda m: slots if m in solo else 1
    need = lambda m: NEED[m] + (SCRATCH_MIB if m in solo else 0)
    queue, events, nxt = [], [], [c % 9 for c in range(clients)]
    enclaves = {}  # id -> [size, model, busy, slots, last used]
    ids, done, builds, used, last, idle = 0, 0, 0, 0, 0.0, 0.0
    blame = collections.Counter()
    for c in range(clients):
        queue.append((c, NAMES[nxt[c]]))

    def dispatch(now):
        nonlocal ids, builds, used
        while queue:
            c, m = queue[0]
            if used + threads(m) > slots:
                break
            idle_ones = [e for e, v in enclaves.items() if not v[2]]
            pick = [e for e in idle_ones if enclaves[e][1] == m]
            if not pick and shared:
                cover = [e for e in idle_ones if enclaves[e][0] >= need(m)]
                if cover:
                    pick = [min(cover, key=lambda e: (enclaves[e][0], enclaves[e][4]))]
            t = SVC[m] / (speedup if m in solo else 1)
            if pick:
                e = pick[0]
                enclaves[e][1:4] = [m, True, threads(m)]
                used += threads(m)
                queue.pop(0)
                heapq.heappush(events, (now + t, c, e))
                continue
            busy = sum(v[0] for v in enclaves.values() if v[2])
            if busy + need(m) > BOUND:
                break
            for e in sorted(idle_ones, key=lambda e: enclaves[e][4]):
                if sum(v[0] for v in enclaves.values()) + need(m) <= BOUND:
                    break
                del enclaves[e]
            size = need(m)
            if sizing and shared:
                committed = sum(v[0] for v in enclaves.values())
                size = max([need(x) for x in NAMES if need(x) >= size and committed + need(x) <= BOUND])
            ids += 1
            builds += 1
            enclaves[ids] = [size, m, True, threads(m), now]
            used += threads(m)
            queue.pop(0)
            heapq.heappush(events, (now + size * BUILD_S_PER_MIB + t, c, ids))

    dispatch(0.0)
    while events:
        now, c, e = heapq.heappop(events)
        if now > seconds:
            break
        if queue and used < slots:
            running = tuple(sorted(v[1] for v in enclaves.values() if v[2]))
            blame[(queue[0][1], running)] += (slots - used) * (now - last)
            idle += (slots - used) * (now - last)
        last = now
        enclaves[e][2], enclaves[e][4] = False, now
        used -= enclaves[e][3]
        done += 1
        nxt[c] = (nxt[c] + 1) % 9
        queue.append((c, NAMES[nxt[c]]))
        dispatch(now)
    return done, idle / (slots * seconds), builds, blame


if __name__ == "__main__":
    print("| rules | requests in 5 min | idle slot share | builds | idle time with VGG16 or ResNeXt152 waiting, YOLOv3 running | largest share of the idle time |")
    print("|---|---:|---:|---:|---:|---|")
    for label, kw in [("enclaves tied to their model", dict(shared=False)),
                      ("shared enclaves", dict(shared=True)),
                      ("shared, sized launches", dict(shared=True, sizing=True)),
                      ("shared, sized, YOLOv3 solo (2 threads, 1.7x)", dict(shared=True, sizing=True, solo=("yolov3",))),
                      ("shared, sized, YOLOv3 solo (2 threads, 1.8x)", dict(shared=True, sizing=True, solo=("yolov3",), speedup=1.8))]:
        done, idle, builds, blame = run(**kw)
        total = sum(blame.values()) or 1
        (head, running), t = blame.most_common(1)[0] if blame else (("-", ()), 0)
        behind = sum(v for (h, r), v in blame.items() if h in ("vgg16", "resnext152") and "yolov3" in r)
        print(f"| {label} | {done} | {100 * idle:.1f} % | {builds} | {100 * behind / total:.0f} % "
              f"| {100 * t / total:.0f} %: {head} waiting, {' + '.join(running) or 'nothing'} running |")
