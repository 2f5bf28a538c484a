// The payload pool recycles payloads through tlm_mm_interface: reference counting, own data
// buffer restored, extensions kept for the next user.
#include <gtest/gtest.h>

#include "vmsim/common/extensions.h"
#include "vmsim/common/payload_pool.h"

TEST(PayloadPool, RecyclesPayloadsWithTheirBuffersAndExtensions) {
  vmsim::PayloadPool pool(32);
  tlm::tlm_generic_payload* a = pool.allocate();
  EXPECT_TRUE(a->has_mm());
  EXPECT_EQ(a->get_ref_count(), 1);
  unsigned char* own = a->get_data_ptr();
  ASSERT_NE(own, nullptr);
  unsigned char other[8];
  a->set_data_ptr(other);
  a->set_streaming_width(8);
  a->set_response_status(tlm::TLM_OK_RESPONSE);
  auto* ext = new vmsim::VmAccess;
  a->set_extension(ext);
  tlm::tlm_generic_payload* b = pool.allocate();
  EXPECT_NE(a, b);
  a->acquire();
  a->release();
  EXPECT_EQ(pool.available(), 0u);  // still referenced once
  a->release();
  EXPECT_EQ(pool.available(), 1u);
  tlm::tlm_generic_payload* c = pool.allocate();
  EXPECT_EQ(c, a);
  EXPECT_EQ(c->get_data_ptr(), own);
  EXPECT_EQ(c->get_response_status(), tlm::TLM_INCOMPLETE_RESPONSE);
  EXPECT_EQ(c->get_extension<vmsim::VmAccess>(), ext);  // sticky
  EXPECT_EQ(pool.created(), 2u);
  c->release();
  b->release();
}
