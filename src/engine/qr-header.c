#include "config.h"

#include "qr-header.h"
