package dev.vessels.enclave.sgx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A deliberately naive re-implementation of the Linux reclaim policy (a LinkedList of pages, sets
 * for residency and accessed bits) to check EpcEmulator's array-based version against.
 */
final class ReferenceEpc {
    record Page(int enclave, int page) {}

    final int capacity, low, high;
    final LinkedList<Page> list = new LinkedList<>();
    final Set<Page> accessed = new HashSet<>();
    final Map<Integer, Integer> sizes = new HashMap<>();
    final Map<Integer, long[]> counts = new HashMap<>(); // enclave → {faults, evictions}
    int used;

    ReferenceEpc(int capacity, int low, int high) {
        this.capacity = capacity;
        this.low = low;
        this.high = high;
    }

    void build(int enclave, int pages) {
        sizes.put(enclave, pages);
        counts.put(enclave, new long[2]);
        for (int p = 0; p < pages; p++) {
            alloc();
            list.addLast(new Page(enclave, p));
            background();
        }
    }

    void touch(int enclave, int page) {
        Page pg = new Page(enclave, page);
        if (list.contains(pg)) {
            accessed.add(pg);
            return;
        }
        alloc();
        list.addLast(pg);
        accessed.add(pg);
        counts.get(enclave)[0]++;
        background();
    }

    void destroy(int enclave) {
        List<Page> mine = new ArrayList<>();
        for (Page p : list) if (p.enclave() == enclave) mine.add(p);
        list.removeAll(mine);
        accessed.removeAll(mine);
        used -= mine.size();
        sizes.remove(enclave);
    }

    boolean resident(int enclave, int page) {
        return list.contains(new Page(enclave, page));
    }

    private int free() {
        return capacity - used;
    }

    private void alloc() {
        while (free() == 0) batch();
        used++;
    }

    private void background() {
        if (free() >= low) return;
        int fruitless = 0;
        while (free() < high && !list.isEmpty()) {
            if (batch() > 0) fruitless = 0;
            else if (++fruitless > list.size() / 16 + 1) break;
        }
    }

    private int batch() {
        List<Page> b = new ArrayList<>();
        while (b.size() < 16 && !list.isEmpty()) b.add(list.removeFirst());
        int freed = 0;
        for (Page p : b) {
            if (accessed.remove(p)) {
                list.addLast(p);
            } else {
                counts.get(p.enclave())[1]++;
                used--;
                freed++;
            }
        }
        return freed;
    }
}
