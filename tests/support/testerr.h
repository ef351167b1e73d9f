// A core error slot for tests of core functions: starts clear, passes as a tlsio_err * with &.
#pragma once
#include <string>

#include "err.h"

namespace tlsio_test {

struct Err {
    tlsio_err e;
    Err() {
        tlsio_err_clear(&e);
    }
    tlsio_err *operator&() {
        return &e;
    }
    std::string msg() const {
        return e.msg;
    }
};

} // namespace tlsio_test
