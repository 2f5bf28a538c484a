/* Tiny program traced with valgrind lackey for workloads/traces: builds a linked list whose nodes
 * are shuffled across a heap array (a pointer chase, like a hash-chain or allocator free list),
 * walks it, then transposes a small matrix (strided stores). See workloads/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { kNodes = 2048, kWalks = 3, kDim = 64 };

struct Node {
  struct Node* next;
  uint64_t value;
  uint64_t pad[6]; /* one node per 64-byte cache line */
};

static uint64_t lcg(uint64_t* s) {
  return *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
}

static struct Node* build_list(struct Node* nodes, uint32_t* order) {
  uint64_t seed = 42;
  for (uint32_t i = 0; i < kNodes; ++i) order[i] = i;
  for (uint32_t i = kNodes - 1; i > 0; --i) { /* Fisher-Yates shuffle */
    uint32_t j = (uint32_t)(lcg(&seed) >> 33) % (i + 1);
    uint32_t t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (uint32_t i = 0; i < kNodes; ++i) {
    nodes[order[i]].value = i;
    nodes[order[i]].next = i + 1 < kNodes ? &nodes[order[i + 1]] : NULL;
  }
  return &nodes[order[0]];
}

static uint64_t walk(const struct Node* n) {
  uint64_t sum = 0;
  for (; n; n = n->next) sum += n->value;
  return sum;
}

static void transpose(double* dst, const double* src) {
  for (int i = 0; i < kDim; ++i)
    for (int j = 0; j < kDim; ++j) dst[j * kDim + i] = src[i * kDim + j];
}

int main(void) {
  struct Node* nodes = malloc(sizeof(struct Node) * kNodes);
  uint32_t* order = malloc(sizeof(uint32_t) * kNodes);
  double* a = malloc(sizeof(double) * kDim * kDim);
  double* b = malloc(sizeof(double) * kDim * kDim);
  if (!nodes || !order || !a || !b) return 1;
  struct Node* head = build_list(nodes, order);
  uint64_t sum = 0;
  for (int w = 0; w < kWalks; ++w) sum += walk(head);
  for (int i = 0; i < kDim * kDim; ++i) a[i] = i;
  transpose(b, a);
  printf("%llu %.0f\n", (unsigned long long)sum, b[1]);
  free(b);
  free(a);
  free(order);
  free(nodes);
  return 0;
}
