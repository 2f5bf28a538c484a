# Install rules and the VmSim package config, so a larger platform can find_package(VmSim).
